import { describe, expect, it } from 'vitest';
import { endToEndHeaders } from './forwarded-headers.ts';

describe('endToEndHeaders', () => {
  it('keeps end-to-end headers, repeated ones repeated', () => {
    expect(endToEndHeaders({ 'content-type': ['application/json'], 'set-cookie': ['a=1', 'b=2'] })).toEqual({
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
    });
  });

  it('drops hop-by-hop headers and those the Connection header names', () => {
    expect(
      endToEndHeaders({
        connection: ['keep-alive, X-Private'],
        'keep-alive': ['timeout=5'],
        'transfer-encoding': ['chunked'],
        upgrade: ['websocket'],
        te: ['trailers'],
        'x-private': ['1'],
        'x-public': ['2'],
      }),
    ).toEqual({ 'x-public': '2' });
  });
});
