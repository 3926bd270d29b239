/**
 * The scopes a verified token grants: the `scope` claim (a space-separated string, RFC 8693 /
 * RFC 9068) or the `scp` claim (an array of strings, as some issuers write it). Both are read
 * when both are present; anything of another shape grants nothing.
 */
export function grantedScopes(claims: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const scopes = new Set<string>();
  if (typeof claims.scope === 'string') for (const scope of claims.scope.split(' ')) if (scope !== '') scopes.add(scope);
  if (Array.isArray(claims.scp)) for (const scope of claims.scp) if (typeof scope === 'string' && scope !== '') scopes.add(scope);
  return scopes;
}
