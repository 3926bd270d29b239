/**
 * A setting: one environment variable and how to turn its raw text into a typed value.
 * Settings are built with the parsers of parsers.ts and read together by readConfig.
 */
export interface Setting<T> {
  /** The environment variable this setting reads. */
  readonly variable: string;
  /**
   * Parses the raw value (undefined when the variable is not set). Returns the value, or a
   * problem phrased to follow the variable name ("must be an integer ... (got "abc")").
   */
  parse(raw: string | undefined): SettingResult<T>;
}

export type SettingResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** The value type a setting produces. */
export type SettingValue<S> = S extends Setting<infer T> ? T : never;
