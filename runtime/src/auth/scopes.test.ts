import { describe, expect, it } from 'vitest';
import { grantedScopes } from './scopes.ts';

describe('grantedScopes', () => {
  it('reads-the-space-separated-scope-claim', () => {
    expect(grantedScopes({ scope: 'openid  platforms:write ' })).toEqual(new Set(['openid', 'platforms:write']));
  });

  it('reads-the-scp-array-and-both-together', () => {
    expect(grantedScopes({ scp: ['commands:write', 7, ''] })).toEqual(new Set(['commands:write']));
    expect(grantedScopes({ scope: 'a', scp: ['b'] })).toEqual(new Set(['a', 'b']));
  });

  it('grants-nothing-for-other-shapes', () => {
    expect(grantedScopes({})).toEqual(new Set());
    expect(grantedScopes({ scope: ['a'], scp: 'b' })).toEqual(new Set());
  });
});
