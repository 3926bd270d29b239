import { AppError, errorCodes } from '../errors/index.ts';
import type { Setting, SettingValue } from './setting.ts';

/** A configuration schema: property name to setting. */
export type ConfigSchema = Readonly<Record<string, Setting<unknown>>>;

/** The typed, frozen configuration a schema describes. */
export type Config<S extends ConfigSchema> = { readonly [K in keyof S]: SettingValue<S[K]> };

/** The environment to read: `process.env` or, in tests, any object of that shape. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates every setting of the schema from the environment, once, at start-up.
 * Throws AppError `invalid_config` naming every offending variable at once, for example
 * `cannot start: invalid configuration: PORT must be an integer between 1 and 65535 (got "abc")`;
 * `details` lists each problem with the variable as `path`.
 * This is the only place in the platform that reads `process.env`.
 */
export function readConfig<const S extends ConfigSchema>(schema: S, env: Env = process.env): Config<S> {
  const values: Record<string, unknown> = {};
  const problems: { path: string; message: string }[] = [];
  const variables = new Map<string, string>();
  for (const [key, setting] of Object.entries(schema)) {
    const earlier = variables.get(setting.variable);
    if (earlier !== undefined) {
      throw new AppError(errorCodes.invalidArgument, `cannot read configuration: ${setting.variable} is used by both "${earlier}" and "${key}"`);
    }
    variables.set(setting.variable, key);
    const result = setting.parse(env[setting.variable]);
    if (result.ok) values[key] = result.value;
    else problems.push({ path: setting.variable, message: `${setting.variable} ${result.problem}` });
  }
  if (problems.length > 0) {
    throw new AppError(errorCodes.invalidConfig, `cannot start: invalid configuration: ${problems.map((p) => p.message).join('; ')}`, { details: problems });
  }
  return Object.freeze(values) as Config<S>;
}
