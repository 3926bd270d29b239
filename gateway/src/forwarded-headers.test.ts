import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { answerRawHeaders, endToEndHeaders, forwardedRawHeaders } from './forwarded-headers.ts';

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

/** A request as Node's server gives it (raw headers, the joined object, the peer). */
function request(rawHeaders: string[], remoteAddress = '10.0.0.9'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    headers[name] = headers[name] === undefined ? (rawHeaders[i + 1] as string) : `${headers[name]}, ${rawHeaders[i + 1]}`;
  }
  return { rawHeaders, headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

const buffers = (list: string[]): Buffer[] => list.map((text) => Buffer.from(text, 'latin1'));

describe('forwardedRawHeaders', () => {
  const as = { host: '127.0.0.1:5000', requestId: 'req-7', traceparent: undefined };

  it('keeps-the-callers-end-to-end-headers-in-order-and-spelling-and-adds-host-request-id-and-x-forwarded', () => {
    const raw = ['Host', 'gateway.example', 'Accept', 'application/json', 'Set-Thing', 'a', 'Set-Thing', 'b', 'X-Request-Id', 'theirs', 'Expect', '100-continue'];
    expect(forwardedRawHeaders(request(raw), as)).toEqual([
      'Accept', 'application/json', 'Set-Thing', 'a', 'Set-Thing', 'b',
      'host', '127.0.0.1:5000', 'x-request-id', 'req-7', 'x-forwarded-for', '10.0.0.9', 'x-forwarded-host', 'gateway.example', 'x-forwarded-proto', 'http',
    ]);
  });

  it('drops-hop-by-hop-headers-and-those-connection-names-and-extends-x-forwarded-for', () => {
    const raw = ['Connection', 'keep-alive, X-Private', 'Keep-Alive', 'timeout=5', 'Proxy-Authorization', 'Basic eA==', 'X-Private', '1', 'X-Public', '2', 'X-Forwarded-For', '203.0.113.1'];
    const forwarded = forwardedRawHeaders(request(raw), as);
    expect(forwarded.slice(0, 2)).toEqual(['X-Public', '2']);
    expect(forwarded[forwarded.indexOf('x-forwarded-for') + 1]).toBe('203.0.113.1, 10.0.0.9');
    expect(forwarded.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())).not.toContain('x-private');
  });

  it('replaces-the-callers-traceparent-only-when-given-the-gateways-own', () => {
    const raw = ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'];
    expect(forwardedRawHeaders(request(raw), as)).toContain('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const own = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';
    const replaced = forwardedRawHeaders(request(raw), { ...as, traceparent: own });
    expect(replaced.filter((value) => value.startsWith('00-'))).toEqual([own]);
  });
});

describe('answerRawHeaders', () => {
  it('keeps-the-answers-end-to-end-headers-bytes-unchanged-and-puts-the-gateways-request-id-and-added-headers-last', () => {
    const raw = buffers(['Content-Type', 'application/json', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Request-Id', 'echoed', 'X-Name', 'caf\u00e9']);
    expect(answerRawHeaders(raw, 'req-7', ['vary', 'Origin'])).toEqual([
      'Content-Type', 'application/json', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Name', 'caf\u00e9', 'x-request-id', 'req-7', 'vary', 'Origin',
    ]);
  });

  it('lets-the-gateways-cors-headers-replace-the-upstreams-and-keeps-both-vary-lines', () => {
    const raw = buffers(['Access-Control-Allow-Origin', '*', 'Vary', 'Accept', 'access-control-expose-headers', 'X-Upstream', 'X-Kept', 'yes']);
    const added = ['access-control-allow-origin', 'https://app.example', 'access-control-expose-headers', 'x-request-id', 'vary', 'Origin'];
    expect(answerRawHeaders(raw, 'req-7', added)).toEqual(['Vary', 'Accept', 'X-Kept', 'yes', 'x-request-id', 'req-7', ...added]);
  });

  it('drops-hop-by-hop-headers-and-those-connection-names-wherever-they-come', () => {
    const raw = buffers(['X-Upstream-Hop', 'secret', 'Connection', 'X-Upstream-Hop', 'Transfer-Encoding', 'chunked', 'Keep-Alive', 'timeout=5', 'Proxy-Authenticate', 'Basic', 'X-Kept', 'yes']);
    expect(answerRawHeaders(raw, 'req-7', [])).toEqual(['X-Kept', 'yes', 'x-request-id', 'req-7']);
  });
});
