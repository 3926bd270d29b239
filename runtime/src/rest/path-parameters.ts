import type { RequestHandler } from 'express';
import type { IntegerParameter, Operation } from './operations.ts';
import type { FieldError } from './problem.ts';
import { problem, sendProblem } from './problem.ts';
import { requestPath, requestState } from './request-state.ts';
import { matchedOperation } from './route-match.ts';

/** Digits only, no leading zero (a lone `0` aside), an optional minus for ranges that allow it. */
const canonicalInteger = /^-?(?:0|[1-9][0-9]*)$/;

/** What an integer parameter must look like, for the error message: `a decimal integer from 1 to 2147483647`. */
function expectation(parameter: IntegerParameter): string {
  const { min, max } = parameter;
  const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : max !== undefined ? ` of at most ${max}` : '';
  const sign = min !== undefined && min >= 0n ? 'sign' : 'plus sign';
  return `must be a decimal integer${range}, written in digits only (no ${sign}, leading zero, exponent or spaces)`;
}

/** Why `raw` is not a value of `parameter`, or undefined when it is one. */
export function integerProblem(parameter: IntegerParameter, raw: string | undefined): string | undefined {
  if (raw === undefined || !canonicalInteger.test(raw) || raw === '-0') return expectation(parameter);
  const value = BigInt(raw);
  if ((parameter.min !== undefined && value < parameter.min) || (parameter.max !== undefined && value > parameter.max)) return expectation(parameter);
  return undefined;
}

/** The errors of an operation's integer path parameters (none when each is a value of its schema). */
export function integerParameterErrors(operation: Operation, parameters: Readonly<Record<string, string | undefined>>): FieldError[] {
  const errors: FieldError[] = [];
  for (const parameter of operation.integerParameters) {
    const message = integerProblem(parameter, parameters[parameter.name]);
    if (message !== undefined) errors.push({ field: parameter.name, in: 'path', message });
  }
  return errors;
}

/**
 * Integer path parameters are canonical decimal integers in their schema's range (the contract's
 * rule): `1e3`, `0x10`, `+1`, `01`, ` 1`, `Infinity` or a 400-digit number are refused with 400
 * naming the parameter, before request validation could coerce them into a number.
 */
export function integerPathParameters(): RequestHandler {
  return (req, res, next) => {
    const matched = matchedOperation(res);
    if (matched === undefined) return next();
    const errors = integerParameterErrors(matched.operation, matched.path.parameters);
    if (errors.length === 0) return next();
    sendProblem(res, problem(400, 'The request does not match the contract.', { errors }), { instance: requestPath(req), requestId: requestState(res).requestId });
  };
}
