import { describe, expect, it } from 'vitest';
import { newRequestId, requestIdFrom } from './request-id.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom', () => {
  it('honours-a-sane-incoming-request-id', () => {
    expect(requestIdFrom({ 'x-request-id': 'abc-123' })).toBe('abc-123');
    expect(requestIdFrom({ 'x-request-id': '01HZX3:trace/1=a+b_c.d' })).toBe('01HZX3:trace/1=a+b_c.d');
    expect(requestIdFrom(new Headers({ 'X-Request-Id': 'from-fetch' }))).toBe('from-fetch');
    expect(requestIdFrom({ 'x-request-id': ['first', 'second'] })).toBe('first');
  });

  it('generates-an-id-when-absent', () => {
    expect(requestIdFrom({})).toMatch(uuid);
    expect(requestIdFrom(new Headers())).toMatch(uuid);
  });

  it('replaces-ids-that-could-forge-or-bloat-log-lines', () => {
    for (const bad of ['', ' padded', 'has space', 'quote"d', 'line\nbreak', '-leading-dash', 'x'.repeat(129), 'ünïcode']) {
      expect(requestIdFrom({ 'x-request-id': bad })).toMatch(uuid);
    }
  });
});

describe('newRequestId', () => {
  it('returns-a-fresh-uuid-each-time', () => {
    expect(newRequestId()).toMatch(uuid);
    expect(newRequestId()).not.toBe(newRequestId());
  });
});
