/** `@platform/runtime/auth`: bearer JWTs checked against an issuer's keys, and the settings that configure it. */
export { readBearerToken } from './bearer-token.ts';
export type { BearerCredentials } from './bearer-token.ts';
export { grantedScopes } from './scopes.ts';
export { authConfig, authSettings, describeAuthentication } from './settings.ts';
export type { AuthConfig, AuthSettingsValues } from './settings.ts';
export { acceptedAlgorithms, createTokenVerifier } from './token-verifier.ts';
export type { KeySetState, TokenVerifier, TokenVerifierOptions, VerifiedToken } from './token-verifier.ts';
