import { describe, expect, it } from 'vitest';
import { gadgetsForTests, send } from './gadgets.fixture.ts';
import { integerProblem } from './path-parameters.ts';

const hostile = ['Infinity', '-Infinity', 'NaN', '1e400', '9'.repeat(400), '0x10', '1e3', '+1', '01', '%201', '1%20', '-1', '0', '-0', '2147483648', '1.0', '1.5', '%31%2E0', 'abc', '%E0%A4%A'];

describe('integer path parameters: canonical decimal integers in the declared range', () => {
  const s = gadgetsForTests();

  it('refuses-every-non-canonical-or-out-of-range-id-with-400-naming-the-parameter', async () => {
    const answers: Record<string, unknown> = {};
    for (const id of hostile) {
      const answer = await send(s.base, { path: `/gadgets/${id}` });
      answers[id] = { status: answer.status, errors: answer.json?.errors };
    }
    const refused = {
      status: 400,
      errors: [{ field: 'gadgetId', in: 'path', message: 'must be a decimal integer from 1 to 2147483647, written in digits only (no sign, leading zero, exponent or spaces)' }],
    };
    expect(answers).toEqual(Object.fromEntries(hostile.map((id) => [id, refused])));
    expect(s.calls).toEqual([]);
  });

  it('names-each-bad-parameter-of-a-path-with-its-own-range', async () => {
    const answer = await send(s.base, { path: '/gadgets/01/parts/10' });
    expect(answer.status).toBe(400);
    expect(((answer.json?.errors ?? []) as { field: string; message: string }[]).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'gadgetId: must be a decimal integer from 1 to 2147483647, written in digits only (no sign, leading zero, exponent or spaces)',
      'partIndex: must be a decimal integer from 0 to 9, written in digits only (no sign, leading zero, exponent or spaces)',
    ]);
  });

  it('passes-canonical-ids-at-both-ends-of-the-range-as-numbers', async () => {
    const paths = ['/gadgets/1', '/gadgets/2147483647', '/gadgets/5/parts/0', '/gadgets/5/parts/9', '/gadgets/%31'];
    const statuses: number[] = [];
    for (const path of paths) statuses.push((await send(s.base, { path })).status);
    expect(statuses).toEqual(paths.map(() => 200));
    expect(s.calls.map((call) => call.request.params)).toEqual([{ gadgetId: 1 }, { gadgetId: 2147483647 }, { gadgetId: 5, partIndex: 0 }, { gadgetId: 5, partIndex: 9 }, { gadgetId: 1 }]);
  });

  it('checks-the-range-exactly-for-numbers-beyond-double-precision', () => {
    const parameter = { name: 'n', min: -(2n ** 63n), max: 2n ** 63n - 1n };
    expect(integerProblem(parameter, '9223372036854775807')).toBeUndefined();
    expect(integerProblem(parameter, '9223372036854775808')).toBeDefined();
    expect(integerProblem(parameter, '-9223372036854775808')).toBeUndefined();
    expect(integerProblem(parameter, '-0')).toBeDefined();
    expect(integerProblem({ name: 'n', min: undefined, max: undefined }, '-12')).toBeUndefined();
  });
});
