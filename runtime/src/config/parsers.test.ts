import { describe, expect, it } from 'vitest';
import {
  boolean,
  duration,
  integer,
  nonEmptyString,
  oneOf,
  optional,
  optionalDuration,
  optionalInteger,
  optionalString,
  optionalUrl,
  port,
  string,
  url,
} from './parsers.ts';
import type { Setting } from './setting.ts';

function valueOf<T>(setting: Setting<T>, raw: string | undefined): T {
  const result = setting.parse(raw);
  if (!result.ok) throw new Error(`expected a value, got problem: ${result.problem}`);
  return result.value;
}

function problemOf<T>(setting: Setting<T>, raw: string | undefined): string {
  const result = setting.parse(raw);
  if (result.ok) throw new Error(`expected a problem, got value: ${String(result.value)}`);
  return result.problem;
}

describe('required and defaults', () => {
  it('uses-the-default-when-unset-or-blank', () => {
    expect(valueOf(port('PORT', 5000), undefined)).toBe(5000);
    expect(valueOf(port('PORT', 5000), '  ')).toBe(5000);
  });

  it('requires-a-value-when-there-is-no-default', () => {
    expect(problemOf(integer('N'), undefined)).toBe('is required');
    expect(problemOf(nonEmptyString('NAME'), '')).toBe('is required');
  });

  it('rejects-an-invalid-default-when-the-setting-is-defined', () => {
    expect(() => port('PORT', 0)).toThrow('cannot define setting PORT: the default must be an integer between 1 and 65535 (got "0")');
    expect(() => oneOf('LEVEL', ['a', 'b'], 'c' as 'a')).toThrow(/cannot define setting LEVEL/);
    expect(() => nonEmptyString('NAME', ' ')).toThrow(/must not be blank/);
  });

  it('rejects-an-invalid-variable-name', () => {
    expect(() => string('NOT-A-NAME')).toThrow(expect.objectContaining({ code: 'invalid_argument', message: 'cannot define setting "NOT-A-NAME": not a valid environment variable name' }));
  });
});

describe('string', () => {
  it('keeps-text-as-given-including-empty', () => {
    expect(valueOf(string('S', 'd'), ' x ')).toBe(' x ');
    expect(valueOf(string('S', 'd'), '')).toBe('');
    expect(valueOf(string('S', 'd'), undefined)).toBe('d');
  });

  it('trims-non-empty-strings', () => {
    expect(valueOf(nonEmptyString('S'), ' x ')).toBe('x');
  });
});

describe('integer and port', () => {
  it('parses-whole-numbers-with-sign', () => {
    expect(valueOf(integer('N'), '-12')).toBe(-12);
    expect(valueOf(integer('N'), '+7')).toBe(7);
  });

  it('rejects-fractions-text-and-out-of-range-values', () => {
    expect(problemOf(integer('N'), '1.5')).toBe('must be an integer (got "1.5")');
    expect(problemOf(integer('N', undefined, { min: 1 }), '0')).toBe('must be an integer >= 1 (got "0")');
    expect(problemOf(integer('N', undefined, { max: 9 }), '10')).toBe('must be an integer <= 9 (got "10")');
    expect(problemOf(port('PORT'), 'abc')).toBe('must be an integer between 1 and 65535 (got "abc")');
    expect(problemOf(port('PORT'), '65536')).toBe('must be an integer between 1 and 65535 (got "65536")');
    expect(problemOf(integer('N'), '99999999999999999999')).toMatch(/must be an integer/);
  });

  it('rejects-inverted-bounds', () => {
    expect(() => integer('N', undefined, { min: 5, max: 1 })).toThrow(/min <= max/);
  });
});

describe('boolean', () => {
  it('accepts-the-usual-words-in-any-case', () => {
    for (const word of ['true', 'TRUE', '1', 'yes', 'On']) expect(valueOf(boolean('B'), word)).toBe(true);
    for (const word of ['false', '0', 'No', 'off']) expect(valueOf(boolean('B'), word)).toBe(false);
  });

  it('rejects-other-words', () => {
    expect(problemOf(boolean('B'), 'maybe')).toBe('must be true or false (also 1/0, yes/no, on/off) (got "maybe")');
  });
});

describe('oneOf', () => {
  it('accepts-a-listed-value-and-names-the-list-otherwise', () => {
    const level = oneOf('LOG_LEVEL', ['debug', 'info'], 'info');
    expect(valueOf(level, 'debug')).toBe('debug');
    expect(problemOf(level, 'loud')).toBe('must be one of debug, info (got "loud")');
  });
});

describe('url', () => {
  it('accepts-absolute-urls-and-keeps-the-text', () => {
    expect(valueOf(url('U'), 'amqp://guest:guest@127.0.0.1:5672')).toBe('amqp://guest:guest@127.0.0.1:5672');
  });

  it('rejects-relative-urls-and-other-protocols', () => {
    expect(problemOf(url('U'), '/path')).toBe('must be an absolute URL (got "/path")');
    expect(problemOf(url('U', undefined, { protocols: ['amqp:', 'amqps:'] }), 'http://x')).toBe('must be a URL with protocol amqp: or amqps: (got "http://x")');
  });

  it('hides-secret-values-in-problems', () => {
    expect(problemOf(url('U', undefined, { secret: true }), 'not a url with p4ss')).toBe('must be an absolute URL');
  });
});

describe('duration', () => {
  it('reads-bare-milliseconds-and-units', () => {
    expect(valueOf(duration('D'), '500')).toBe(500);
    expect(valueOf(duration('D'), '500ms')).toBe(500);
    expect(valueOf(duration('D'), '5s')).toBe(5000);
    expect(valueOf(duration('D'), '1.5m')).toBe(90_000);
    expect(valueOf(duration('D'), '1h')).toBe(3_600_000);
  });

  it('accepts-a-default-as-text-or-milliseconds', () => {
    expect(valueOf(duration('D', '5s'), undefined)).toBe(5000);
    expect(valueOf(duration('D', 250), undefined)).toBe(250);
  });

  it('rejects-negative-and-unknown-units', () => {
    expect(problemOf(duration('D'), '-1s')).toBe('must be a duration such as 500ms, 5s, 2m or 1h (got "-1s")');
    expect(problemOf(duration('D'), '5 days')).toMatch(/must be a duration/);
  });
});

describe('optional variants', () => {
  it('give-undefined-when-unset-or-blank', () => {
    expect(valueOf(optionalUrl('U'), undefined)).toBeUndefined();
    expect(valueOf(optionalString('S'), ' ')).toBeUndefined();
    expect(valueOf(optionalInteger('N'), undefined)).toBeUndefined();
    expect(valueOf(optionalDuration('D'), '')).toBeUndefined();
    expect(valueOf(optional(boolean('B')), undefined)).toBeUndefined();
  });

  it('still-validate-a-present-value', () => {
    expect(problemOf(optionalUrl('U'), 'nope')).toBe('must be an absolute URL (got "nope")');
    expect(problemOf(optionalInteger('N', { min: 1 }), '0')).toBe('must be an integer >= 1 (got "0")');
    expect(valueOf(optionalString('S'), ' x ')).toBe('x');
  });
});
