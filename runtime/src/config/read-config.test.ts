import { describe, expect, expectTypeOf, it } from 'vitest';
import { AppError } from '../errors/index.ts';
import { boolean, duration, oneOf, optionalUrl, port, string } from './parsers.ts';
import { readConfig } from './read-config.ts';

const schema = {
  port: port('PORT', 5000),
  logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
  amqpUrl: optionalUrl('AMQP_URL'),
  pretty: boolean('LOG_PRETTY', false),
  shutdownTimeout: duration('SHUTDOWN_TIMEOUT', '10s'),
};

function thrownBy(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('readConfig', () => {
  it('returns-typed-values-with-defaults-applied', () => {
    const config = readConfig(schema, { LOG_LEVEL: 'debug', AMQP_URL: 'amqp://127.0.0.1:5672' });
    expect(config).toEqual({ port: 5000, logLevel: 'debug', amqpUrl: 'amqp://127.0.0.1:5672', pretty: false, shutdownTimeout: 10_000 });
    expectTypeOf(config.port).toEqualTypeOf<number>();
    expectTypeOf(config.logLevel).toEqualTypeOf<'debug' | 'info' | 'warn' | 'error'>();
    expectTypeOf(config.amqpUrl).toEqualTypeOf<string | undefined>();
  });

  it('returns-a-frozen-object', () => {
    const config = readConfig(schema, {});
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names-the-offending-variable-and-value', () => {
    const error = thrownBy(() => readConfig(schema, { PORT: 'abc' }));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toBe('cannot start: invalid configuration: PORT must be an integer between 1 and 65535 (got "abc")');
  });

  it('reports-every-offending-variable-at-once', () => {
    const error = thrownBy(() => readConfig(schema, { PORT: '0', LOG_LEVEL: 'loud', AMQP_URL: 'nope', LOG_PRETTY: 'yes' }));
    expect(error.details.map((d) => d.path)).toEqual(['PORT', 'LOG_LEVEL', 'AMQP_URL']);
    expect(error.message).toContain('PORT must be');
    expect(error.message).toContain('; LOG_LEVEL must be one of debug, info, warn, error (got "loud")');
    expect(error.message).toContain('; AMQP_URL must be an absolute URL (got "nope")');
  });

  it('says-which-required-variable-is-missing', () => {
    const error = thrownBy(() => readConfig({ name: string('SERVICE_NAME') }, {}));
    expect(error.message).toBe('cannot start: invalid configuration: SERVICE_NAME is required');
  });

  it('refuses-two-settings-reading-the-same-variable', () => {
    const error = thrownBy(() => readConfig({ a: port('PORT'), b: port('PORT') }, { PORT: '1' }));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toMatch(/PORT is used by both "a" and "b"/);
  });
});

function refine(values: { min: number; max: number }, problem: (variable: string, message: string) => void) {
  if (values.max < values.min) problem('MAX_DELAY', 'must not be shorter than MIN_DELAY');
  return { delays: { min: values.min, max: values.max } };
}

describe('readConfig with refine', () => {
  it('derives-the-configuration-and-reports-cross-setting-problems-with-the-rest', () => {
    const settings = { min: duration('MIN_DELAY', '1s'), max: duration('MAX_DELAY', '5s') };
    expect(readConfig(settings, {}, refine)).toEqual({ delays: { min: 1000, max: 5000 } });
    expect(Object.isFrozen(readConfig(settings, {}, refine))).toBe(true);
    const error = thrownBy(() => readConfig(settings, { MIN_DELAY: '10s' }, refine));
    expect(error.message).toBe('cannot start: invalid configuration: MAX_DELAY must not be shorter than MIN_DELAY');
    expect(error.details).toEqual([{ path: 'MAX_DELAY', message: 'MAX_DELAY must not be shorter than MIN_DELAY' }]);
  });
});
