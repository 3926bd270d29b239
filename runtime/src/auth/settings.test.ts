import { describe, expect, it } from 'vitest';
import { readConfig } from '../config/index.ts';
import { authConfig, authSettings, describeAuthentication } from './settings.ts';

function read(env: Record<string, string>, nodeEnv = 'development') {
  const problems: string[] = [];
  const config = authConfig(readConfig(authSettings, env), nodeEnv, (variable, message) => problems.push(`${variable} ${message}`));
  return { config, problems };
}

const all = { AUTH_JWKS_URL: 'https://id.example/jwks.json', AUTH_ISSUER: 'https://id.example/', AUTH_AUDIENCE: 'platform' };

describe('authentication settings', () => {
  it('are-off-when-none-is-set-outside-production', () => {
    expect(read({})).toEqual({ config: undefined, problems: [] });
    expect(describeAuthentication(undefined)).toBe('authentication off: AUTH_JWKS_URL is not set, so writes are open (development only)');
  });

  it('refuse-production-without-them', () => {
    expect(read({}, 'production').problems).toEqual([
      'AUTH_JWKS_URL is required when NODE_ENV is production (with AUTH_ISSUER and AUTH_AUDIENCE): without them anyone could write',
    ]);
  });

  it('are-all-three-or-none', () => {
    expect(read({ AUTH_JWKS_URL: all.AUTH_JWKS_URL }).problems).toEqual([
      'AUTH_ISSUER is required when any of AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE is set (all three or none)',
      'AUTH_AUDIENCE is required when any of AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE is set (all three or none)',
    ]);
  });

  it('give-the-issuer-settings-with-a-default-cooldown', () => {
    const { config, problems } = read(all, 'production');
    expect(problems).toEqual([]);
    expect(config).toEqual({ jwksUrl: all.AUTH_JWKS_URL, issuer: all.AUTH_ISSUER, audience: all.AUTH_AUDIENCE, refetchCooldownMs: 30_000 });
    expect(describeAuthentication(config)).toBe('authentication on: bearer tokens from https://id.example/ for platform');
    expect(read({ ...all, AUTH_JWKS_COOLDOWN: '0' }).config?.refetchCooldownMs).toBe(0);
  });

  it('accept-only-an-http-or-https-key-set-url', () => {
    expect(() => read({ ...all, AUTH_JWKS_URL: 'ftp://id.example/jwks' })).toThrow('AUTH_JWKS_URL must be a URL with protocol https: or http:');
  });
});
