import { AppError, errorCodes } from '../errors/index.ts';
import type { Setting, SettingValue } from './setting.ts';

/** A configuration schema: property name to setting. */
export type ConfigSchema = Readonly<Record<string, Setting<unknown>>>;

/** The typed, frozen configuration a schema describes. */
export type Config<S extends ConfigSchema> = { readonly [K in keyof S]: SettingValue<S[K]> };

/** The environment to read: `process.env` or, in tests, any object of that shape. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Reports a problem found across settings: `variable` and what is wrong with it ("must be ..."). */
export type ConfigProblem = (variable: string, message: string) => void;

/**
 * Reads and validates every setting of the schema from the environment, once, at start-up.
 * Throws AppError `invalid_config` naming every offending variable at once, for example
 * `cannot start: invalid configuration: PORT must be an integer between 1 and 65535 (got "abc")`;
 * `details` lists each problem with the variable as `path`.
 * `refine` checks settings against each other and derives the part's configuration from the
 * values (defaults that depend on NODE_ENV, nested groups); its problems are reported with the rest.
 * This is the only place in the platform that reads `process.env`.
 */
export function readConfig<const S extends ConfigSchema>(schema: S, env?: Env): Config<S>;
export function readConfig<const S extends ConfigSchema, T>(schema: S, env: Env | undefined, refine: (values: Config<S>, problem: ConfigProblem) => T): Readonly<T>;
export function readConfig<const S extends ConfigSchema, T>(schema: S, env: Env = process.env, refine?: (values: Config<S>, problem: ConfigProblem) => T): unknown {
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
  const invalid = (): AppError =>
    new AppError(errorCodes.invalidConfig, `cannot start: invalid configuration: ${problems.map((p) => p.message).join('; ')}`, { details: problems });
  if (problems.length > 0) throw invalid();
  const config = Object.freeze(values) as Config<S>;
  if (refine === undefined) return config;
  const refined = refine(config, (variable, message) => void problems.push({ path: variable, message: `${variable} ${message}` }));
  if (problems.length > 0) throw invalid();
  return typeof refined === 'object' && refined !== null ? Object.freeze(refined) : refined;
}
