import { describe, expect, it } from 'vitest';
import { ifMatchAllows, parseIfMatch, strongEtag } from './etag.ts';

describe('entity tags and If-Match', () => {
  it('writes-a-version-as-a-strong-entity-tag', () => {
    expect(strongEtag(3)).toBe('"3"');
  });

  it.each([
    [undefined, { kind: 'absent' }],
    ['*', { kind: 'any' }],
    [' * ', { kind: 'any' }],
    ['"3"', { kind: 'tags', tags: ['"3"'] }],
    ['"3", "4"', { kind: 'tags', tags: ['"3"', '"4"'] }],
    ['"3",W/"4"', { kind: 'tags', tags: ['"3"', 'W/"4"'] }],
    [['"1"', '"2"'], { kind: 'tags', tags: ['"1"', '"2"'] }],
    ['"a,b", "c"', { kind: 'tags', tags: ['"a,b"', '"c"'] }],
  ])('parses %j', (value, expected) => {
    expect(parseIfMatch(value)).toEqual(expected);
  });

  it.each(['', '3', '"3', '"3" "4"', '*, "3"', ',', '"3",,"4"', 'W/3', '"a"b"'])('refuses %j', (value) => {
    expect(parseIfMatch(value)).toMatchObject({ kind: 'invalid' });
  });

  it('matches-strongly-only', () => {
    const etag = strongEtag(3);
    expect(ifMatchAllows({ kind: 'absent' }, etag)).toBe(true);
    expect(ifMatchAllows({ kind: 'any' }, etag)).toBe(true);
    expect(ifMatchAllows({ kind: 'tags', tags: ['"2"', '"3"'] }, etag)).toBe(true);
    expect(ifMatchAllows({ kind: 'tags', tags: ['"2"'] }, etag)).toBe(false);
    expect(ifMatchAllows({ kind: 'tags', tags: ['W/"3"'] }, etag)).toBe(false);
  });

  it('lets-only-an-absent-condition-through-when-nothing-exists', () => {
    expect(ifMatchAllows({ kind: 'absent' }, undefined)).toBe(true);
    expect(ifMatchAllows({ kind: 'any' }, undefined)).toBe(false);
    expect(ifMatchAllows({ kind: 'tags', tags: ['"1"'] }, undefined)).toBe(false);
  });
});
