/**
 * Compatibility of an operation's effective `security` (OpenAPI: a list of alternatives, any one
 * of which lets a call through; each alternative names schemes that must all be satisfied, with
 * the scopes or roles each needs). An old client holds credentials that satisfied one of the old
 * alternatives; the change breaks it when no new alternative asks for no more than that one did.
 *
 * - an operation that was open (no requirement, or an empty `{}` alternative) and now asks for
 *   credentials: breaking; the reverse: compatible;
 * - a new scope on a scheme, a new scheme in an alternative, a removed alternative: breaking;
 * - a dropped scope, a new alternative: compatible;
 * - a security scheme the old requirements use whose definition changes (type, HTTP scheme,
 *   where an API key goes): breaking, since the old client sends the old kind of credential.
 */
import type { ChangeSink } from './change.ts';
import { deref, isObject, type Json } from './json-ref.ts';

/** One alternative: each scheme it needs, with the scopes needed of that scheme. */
type Requirement = ReadonlyMap<string, ReadonlySet<string>>;

/** Compares the security in force for one operation (`operation.security ?? document.security`). */
export function compareSecurity(before: unknown, after: unknown, site: string, sink: ChangeSink): void {
  const old = requirementsOf(before);
  const current = requirementsOf(after);
  if (old === 'open' && current === 'open') return;
  if (old === 'open') {
    sink.add('breaking', `authentication now required: ${(current as Requirement[]).map(describe).join(' or ')} (old clients send no credentials)`, site);
    return;
  }
  if (current === 'open') {
    sink.add('non-breaking', 'authentication no longer required', site);
    return;
  }
  const explained = new Set<Requirement>();
  for (const requirement of old) {
    if (current.some((candidate) => equal(candidate, requirement))) continue;
    // The same schemes with other scopes: say which scopes came and went (a new one breaks).
    const sameSchemes = current.find((candidate) => sameKeys(candidate, requirement) && covers(requirement, candidate)) ?? current.find((candidate) => sameKeys(candidate, requirement));
    const relaxed = current.find((candidate) => covers(requirement, candidate));
    if (sameSchemes && (covers(requirement, sameSchemes) || !relaxed)) {
      explained.add(sameSchemes);
      for (const [scheme, scopes] of sameSchemes) {
        const had = requirement.get(scheme) ?? new Set<string>();
        for (const scope of scopes) if (!had.has(scope)) sink.add('breaking', `scope ${scope} of ${scheme} now required (old clients' credentials may lack it)`, site);
        for (const scope of had) if (!scopes.has(scope)) sink.add('non-breaking', `scope ${scope} of ${scheme} no longer required`, site);
      }
    } else if (relaxed) {
      explained.add(relaxed);
      sink.add('non-breaking', `security requirement ${describe(requirement)} relaxed to ${describe(relaxed)}`, site);
    } else {
      sink.add('breaking', `security requirement ${describe(requirement)} removed (old clients may hold only those credentials)`, site);
    }
  }
  for (const requirement of current) {
    if (explained.has(requirement) || old.some((candidate) => equal(candidate, requirement))) continue;
    sink.add('non-breaking', `security requirement ${describe(requirement)} added as an alternative`, site);
  }
}

/** Compares the definitions of the security schemes that the old document's operations rely on. */
export function compareSecuritySchemes(before: Json, after: Json, usedBy: ReadonlyMap<string, readonly string[]>, sink: ChangeSink): void {
  for (const [name, sites] of usedBy) {
    const old = schemeOf(before, name);
    const current = schemeOf(after, name);
    if (old === undefined) continue;
    const change = current === undefined ? `security scheme ${name} removed` : schemeChange(name, old, current);
    for (const site of sites) if (change !== undefined) sink.add('breaking', change, site);
  }
}

/** The schemes each operation's security names, for `compareSecuritySchemes`. */
export function schemesOf(security: unknown): string[] {
  const requirements = requirementsOf(security);
  return requirements === 'open' ? [] : [...new Set(requirements.flatMap((requirement) => [...requirement.keys()]))];
}

function requirementsOf(security: unknown): Requirement[] | 'open' {
  if (!Array.isArray(security) || security.length === 0) return 'open';
  const requirements = security.map((alternative) =>
    new Map(Object.entries(isObject(alternative) ? alternative : {}).map(([scheme, scopes]) => [scheme, new Set(Array.isArray(scopes) ? scopes.map(String) : [])])),
  );
  return requirements.some((requirement) => requirement.size === 0) ? 'open' : requirements;
}

/** Whether a client that satisfies `held` also satisfies `needed`. */
function covers(held: Requirement, needed: Requirement): boolean {
  return [...needed].every(([scheme, scopes]) => {
    const had = held.get(scheme);
    return had !== undefined && [...scopes].every((scope) => had.has(scope));
  });
}

function equal(a: Requirement, b: Requirement): boolean {
  return covers(a, b) && covers(b, a);
}

function sameKeys(a: Requirement, b: Requirement): boolean {
  return a.size === b.size && [...a.keys()].every((scheme) => b.has(scheme));
}

function describe(requirement: Requirement): string {
  return [...requirement].map(([scheme, scopes]) => (scopes.size === 0 ? scheme : `${scheme} with ${[...scopes].join(' and ')}`)).join(' + ');
}

function schemeOf(document: Json, name: string): Json | undefined {
  const schemes = isObject(document.components) && isObject(document.components.securitySchemes) ? document.components.securitySchemes : {};
  const scheme = schemes[name] === undefined ? undefined : deref(document, schemes[name]);
  return isObject(scheme) ? scheme : undefined;
}

function schemeChange(name: string, old: Json, current: Json): string | undefined {
  const before = schemeKind(old);
  const after = schemeKind(current);
  return before === after ? undefined : `security scheme ${name} changed: ${before} → ${after} (old clients send the old kind of credentials)`;
}

/** What kind of credential a scheme asks for: `http bearer`, `apiKey header X-Api-Key`, ... */
function schemeKind(scheme: Json): string {
  return [scheme.type, typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : scheme.scheme, scheme.in, scheme.name, scheme.openIdConnectUrl]
    .filter((part) => part !== undefined)
    .map(String)
    .join(' ');
}
