import { AppError, errorCodes } from '../errors/index.ts';
import type { Setting, SettingResult } from './setting.ts';

/**
 * Parsers for configuration settings. Each takes the variable name, then an optional default
 * (used when the variable is unset or blank), then parser-specific options. Without a default
 * the variable is required; the `optional*` variants yield `undefined` instead.
 * Defaults are validated when the setting is built, so a bad default fails at start-up
 * of the code that declares it, not later.
 */

export interface IntegerOptions {
  /** Smallest accepted value (inclusive). Default Number.MIN_SAFE_INTEGER. */
  readonly min?: number;
  /** Largest accepted value (inclusive). Default Number.MAX_SAFE_INTEGER. */
  readonly max?: number;
}

export interface UrlOptions {
  /** Accepted protocols including the colon, e.g. ['amqp:', 'amqps:']. Default: any. */
  readonly protocols?: readonly string[];
  /** Do not echo the value in error messages (URLs with passwords). Default false. */
  readonly secret?: boolean;
}

const ok = <T>(value: T): SettingResult<T> => ({ ok: true, value });
const fail = (problem: string): SettingResult<never> => ({ ok: false, problem });
const shown = (raw: string, options?: { readonly secret?: boolean }): string => (options?.secret ? '' : ` (got ${JSON.stringify(raw)})`);
const isBlank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === '';

/**
 * Builds a setting from a function that parses a present, non-blank value. Blank or unset
 * falls back to the default, or fails with "is required" when there is none.
 */
function setting<T>(variable: string, defaultValue: T | undefined, parsePresent: (raw: string) => SettingResult<T>): Setting<T> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new AppError(errorCodes.invalidArgument, `cannot define setting ${JSON.stringify(variable)}: not a valid environment variable name`);
  }
  return {
    variable,
    parse(raw) {
      if (isBlank(raw)) return defaultValue === undefined ? fail('is required') : ok(defaultValue);
      return parsePresent(raw.trim());
    },
  };
}

/** Validates a default through the same rules as a value read from the environment. */
function checkedDefault<T>(variable: string, defaultValue: string | number | undefined, parsePresent: (raw: string) => SettingResult<T>): T | undefined {
  if (defaultValue === undefined) return undefined;
  const result = parsePresent(String(defaultValue));
  if (!result.ok) throw new AppError(errorCodes.invalidArgument, `cannot define setting ${variable}: the default ${result.problem}`);
  return result.value;
}

/**
 * Any text, taken as is (not trimmed). Unlike the other parsers, a set but empty variable is
 * a value (""), not a fallback to the default.
 */
export function string(variable: string, defaultValue?: string): Setting<string> {
  const whenUnset = setting(variable, defaultValue, ok);
  return { variable, parse: (raw) => (raw === undefined ? whenUnset.parse(raw) : ok(raw)) };
}

/** Text with at least one non-blank character, trimmed. */
export function nonEmptyString(variable: string, defaultValue?: string): Setting<string> {
  if (defaultValue !== undefined && defaultValue.trim() === '') {
    throw new AppError(errorCodes.invalidArgument, `cannot define setting ${variable}: the default must not be blank`);
  }
  return setting(variable, defaultValue?.trim(), ok);
}

/** A whole number, optionally bounded. */
export function integer(variable: string, defaultValue?: number, options: IntegerOptions = {}): Setting<number> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
    throw new AppError(errorCodes.invalidArgument, `cannot define setting ${variable}: min and max must be integers with min <= max`);
  }
  const range = options.min === undefined && options.max === undefined ? 'an integer'
    : options.max === undefined ? `an integer >= ${min}`
    : options.min === undefined ? `an integer <= ${max}`
    : `an integer between ${min} and ${max}`;
  const parse = (raw: string): SettingResult<number> => {
    const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    return Number.isSafeInteger(value) && value >= min && value <= max ? ok(value) : fail(`must be ${range}${shown(raw)}`);
  };
  return setting(variable, checkedDefault(variable, defaultValue, parse), parse);
}

/** A TCP port, 1 to 65535. */
export function port(variable: string, defaultValue?: number): Setting<number> {
  return integer(variable, defaultValue, { min: 1, max: 65535 });
}

const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off']);

/** true/false, 1/0, yes/no or on/off, any case. */
export function boolean(variable: string, defaultValue?: boolean): Setting<boolean> {
  return setting(variable, defaultValue, (raw) => {
    const word = raw.toLowerCase();
    if (trueWords.has(word)) return ok(true);
    if (falseWords.has(word)) return ok(false);
    return fail(`must be true or false (also 1/0, yes/no, on/off)${shown(raw)}`);
  });
}

/** One of a fixed list of words (exact match). */
export function oneOf<const V extends string>(variable: string, values: readonly V[], defaultValue?: NoInfer<V>): Setting<V> {
  if (values.length === 0) throw new AppError(errorCodes.invalidArgument, `cannot define setting ${variable}: the list of values is empty`);
  const parse = (raw: string): SettingResult<V> =>
    (values as readonly string[]).includes(raw) ? ok(raw as V) : fail(`must be one of ${values.join(', ')}${shown(raw)}`);
  return setting(variable, checkedDefault(variable, defaultValue, parse), parse);
}

/** An absolute URL, returned as the text given (trimmed). */
export function url(variable: string, defaultValue?: string, options: UrlOptions = {}): Setting<string> {
  const parse = (raw: string): SettingResult<string> => {
    if (!URL.canParse(raw)) return fail(`must be an absolute URL${shown(raw, options)}`);
    const { protocol } = new URL(raw);
    if (options.protocols && !options.protocols.includes(protocol)) {
      return fail(`must be a URL with protocol ${options.protocols.join(' or ')}${shown(raw, options)}`);
    }
    return ok(raw);
  };
  return setting(variable, checkedDefault(variable, defaultValue, parse), parse);
}

const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: a bare number of ms ("500"), or a number with unit ms, s, m or h
 * ("500ms", "5s", "1.5m"). The default may be given in either form (5000 or '5s').
 */
export function duration(variable: string, defaultValue?: number | string): Setting<number> {
  return setting(variable, checkedDefault(variable, defaultValue, parseDuration), parseDuration);
}

function parseDuration(raw: string): SettingResult<number> {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw);
  if (!match) return fail(`must be a duration such as 500ms, 5s, 2m or 1h${shown(raw)}`);
  const value = Math.round(Number(match[1]) * (durationUnits[match[2] ?? 'ms'] ?? 1));
  return Number.isSafeInteger(value) ? ok(value) : fail(`must be a duration that fits in a safe integer of milliseconds${shown(raw)}`);
}

/** A byte size (k = 1024): "65536", "64kb", "1.5mb". The default may be a number or such a text. */
export function size(variable: string, defaultValue?: number | string): Setting<number> {
  return setting(variable, checkedDefault(variable, defaultValue, parseSize), parseSize);
}

function parseSize(raw: string): SettingResult<number> {
  const bytes = parseByteSize(raw);
  return bytes === undefined ? fail(`must be a size such as 65536, 64kb or 1mb${shown(raw)}`) : ok(bytes);
}

/** "65536", "64kb", "1.5mb" (k = 1024) → a positive number of bytes; undefined when not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * 1024 ** ['b', 'kb', 'mb'].indexOf((match[2] ?? 'b').toLowerCase()));
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Makes any setting optional: unset or blank gives `undefined`; a present value must still be valid. */
export function optional<T>(required: Setting<T>): Setting<T | undefined> {
  return {
    variable: required.variable,
    parse: (raw) => (isBlank(raw) ? ok(undefined) : required.parse(raw)),
  };
}

/** Optional text, trimmed; unset or blank gives `undefined`. */
export function optionalString(variable: string): Setting<string | undefined> {
  return optional(nonEmptyString(variable));
}

/** Optional whole number, optionally bounded. */
export function optionalInteger(variable: string, options?: IntegerOptions): Setting<number | undefined> {
  return optional(integer(variable, undefined, options));
}

/** Optional absolute URL. */
export function optionalUrl(variable: string, options?: UrlOptions): Setting<string | undefined> {
  return optional(url(variable, undefined, options));
}

/** Optional duration in milliseconds. */
export function optionalDuration(variable: string): Setting<number | undefined> {
  return optional(duration(variable));
}
