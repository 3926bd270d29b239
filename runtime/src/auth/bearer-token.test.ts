import { describe, expect, it } from 'vitest';
import { readBearerToken } from './bearer-token.ts';

describe('readBearerToken', () => {
  it('takes-the-token-of-a-bearer-header-in-any-case-of-the-scheme', () => {
    expect(readBearerToken('Bearer abc.def-_~+/.ghi==')).toEqual({ kind: 'token', token: 'abc.def-_~+/.ghi==' });
    expect(readBearerToken('bearer  abc')).toEqual({ kind: 'token', token: 'abc' });
  });

  it('sees-no-bearer-token-without-a-header-or-with-another-scheme', () => {
    expect(readBearerToken(undefined)).toEqual({ kind: 'none' });
    expect(readBearerToken('Basic dXNlcjpwYXNz')).toEqual({ kind: 'none' });
    expect(readBearerToken('')).toEqual({ kind: 'none' });
  });

  it('calls-an-empty-token-or-one-with-foreign-characters-malformed-without-echoing-it', () => {
    expect(readBearerToken('Bearer')).toEqual({ kind: 'malformed', why: 'the Authorization header has no token after Bearer' });
    expect(readBearerToken('Bearer   ')).toEqual({ kind: 'malformed', why: 'the Authorization header has no token after Bearer' });
    for (const token of ['a b', 'a"b', 'a,b', 'a=b']) {
      expect(readBearerToken(`Bearer ${token}`)).toEqual({ kind: 'malformed', why: 'the bearer token has characters a token cannot have' });
    }
  });
});
