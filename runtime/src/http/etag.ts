/**
 * Versions as HTTP entity tags (RFC 9110 section 8.8.3) and the `If-Match` precondition
 * (section 13.1.1) for conditional writes: optimistic concurrency for REST resources.
 */

/** The strong entity tag of a version: `"3"`. */
export function strongEtag(version: number): string {
  return `"${version}"`;
}

/** A parsed `If-Match`: absent (no condition), any current version (`*`), or a list of entity tags. */
export type IfMatch = { readonly kind: 'absent' } | { readonly kind: 'any' } | { readonly kind: 'tags'; readonly tags: readonly string[] };

/** A malformed `If-Match` header: why it does not parse. */
export interface IfMatchError {
  readonly kind: 'invalid';
  readonly reason: string;
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text
const entityTag = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Parses an `If-Match` header value (several header lines arrive joined by commas). Returns the
 * condition, or why the value is not `*` nor a comma-separated list of entity tags.
 */
export function parseIfMatch(value: string | readonly string[] | undefined): IfMatch | IfMatchError {
  if (value === undefined) return { kind: 'absent' };
  const text = (typeof value === 'string' ? value : value.join(',')).trim();
  if (text === '*') return { kind: 'any' };
  const tags = splitTags(text);
  if (tags === undefined || tags.length === 0) return { kind: 'invalid', reason: 'must be * or a comma-separated list of entity tags such as "3"' };
  return { kind: 'tags', tags };
}

// Commas may appear inside quoted tags, so split on the commas between tags only.
function splitTags(text: string): string[] | undefined {
  const tags: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const match = /^\s*((?:W\/)?"[^"]*")\s*(?:,|$)/.exec(rest);
    if (match === null || !entityTag.test(match[1] as string)) return undefined;
    tags.push(match[1] as string);
    rest = rest.slice(match[0].length);
  }
  return tags;
}

/**
 * Whether a write may go ahead under `condition` for the current `etag` (strong comparison, as
 * RFC 9110 requires for If-Match: a weak tag never matches). `exists` is false when there is no
 * current representation: then only an absent condition lets a write go ahead.
 */
export function ifMatchAllows(condition: IfMatch, etag: string | undefined): boolean {
  if (condition.kind === 'absent') return true;
  if (etag === undefined) return false;
  if (condition.kind === 'any') return true;
  return condition.tags.some((tag) => !tag.startsWith('W/') && tag === etag);
}
