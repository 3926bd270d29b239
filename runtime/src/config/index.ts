export { readConfig } from './read-config.ts';
export type { Config, ConfigProblem, ConfigSchema, Env } from './read-config.ts';
export {
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
  parseByteSize,
  port,
  size,
  string,
  url,
} from './parsers.ts';
export type { IntegerOptions, UrlOptions } from './parsers.ts';
export type { Setting, SettingResult, SettingValue } from './setting.ts';
