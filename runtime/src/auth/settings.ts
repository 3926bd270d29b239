/**
 * The authentication settings every part that serves REST reads, once, in its own config:
 * `AUTH_JWKS_URL`, `AUTH_ISSUER` and `AUTH_AUDIENCE`, all three or none. None means
 * authentication off, which only development and tests may choose: in production a part
 * without them refuses to start rather than take writes from anyone.
 */
import { duration, optionalString, optionalUrl } from '../config/index.ts';

/** The settings to spread into a part's config schema (read by readConfig with the rest). */
export const authSettings = {
  /** The issuer's JSON Web Key Set; unset: authentication off (not allowed in production). */
  authJwksUrl: optionalUrl('AUTH_JWKS_URL', { protocols: ['https:', 'http:'] }),
  /** The `iss` tokens must carry. */
  authIssuer: optionalString('AUTH_ISSUER'),
  /** The `aud` tokens must carry. */
  authAudience: optionalString('AUTH_AUDIENCE'),
  /** Shortest time between two fetches of the key set caused by tokens naming an unknown `kid`. */
  authJwksCooldown: duration('AUTH_JWKS_COOLDOWN', '30s'),
};

/** Authentication as configured: the issuer's settings, or undefined for off. */
export interface AuthConfig {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** AUTH_JWKS_COOLDOWN in ms (default 30 s): passed to createTokenVerifier as `refetchCooldownMs`. */
  readonly refetchCooldownMs: number;
}

export interface AuthSettingsValues {
  readonly authJwksUrl: string | undefined;
  readonly authIssuer: string | undefined;
  readonly authAudience: string | undefined;
  readonly authJwksCooldown: number;
}

/**
 * Checks the three settings together: all or none, and not none in production. Reports each
 * problem through `problem(variable, message)` (message without the variable name) and returns
 * the configuration, or undefined for off.
 */
export function authConfig(values: AuthSettingsValues, nodeEnv: string, problem: (variable: string, message: string) => void): AuthConfig | undefined {
  const given = { AUTH_JWKS_URL: values.authJwksUrl, AUTH_ISSUER: values.authIssuer, AUTH_AUDIENCE: values.authAudience };
  const missing = Object.entries(given).filter(([, value]) => value === undefined).map(([variable]) => variable);
  if (missing.length === 3) {
    if (nodeEnv === 'production') {
      problem('AUTH_JWKS_URL', 'is required when NODE_ENV is production (with AUTH_ISSUER and AUTH_AUDIENCE): without them anyone could write');
    }
    return undefined;
  }
  for (const variable of missing) problem(variable, 'is required when any of AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE is set (all three or none)');
  if (missing.length > 0) return undefined;
  if (values.authJwksCooldown > 3_600_000) problem('AUTH_JWKS_COOLDOWN', 'must be at most 1h');
  return Object.freeze({ jwksUrl: values.authJwksUrl!, issuer: values.authIssuer!, audience: values.authAudience!, refetchCooldownMs: values.authJwksCooldown });
}

/** How a part says whether it checks tokens: in its start log line and its /readyz. */
export function describeAuthentication(config: Pick<AuthConfig, 'issuer' | 'audience'> | undefined): string {
  return config === undefined
    ? 'authentication off: AUTH_JWKS_URL is not set, so writes are open (development only)'
    : `authentication on: bearer tokens from ${config.issuer} for ${config.audience}`;
}
