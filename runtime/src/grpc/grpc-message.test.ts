import { describe, expect, it } from 'vitest';
import { encodeGrpcMessage, reencodeGrpcMessage } from './grpc-message.ts';

describe('encodeGrpcMessage', () => {
  it('keeps-printable-ascii-except-percent-as-it-is', () => {
    expect(encodeGrpcMessage('batch_size must be >= 0 (got -1), see: a/b?c=d&e#f')).toBe('batch_size must be >= 0 (got -1), see: a/b?c=d&e#f');
  });

  it('percent-encodes-percent-controls-and-the-utf-8-bytes-of-non-ascii', () => {
    expect(encodeGrpcMessage('100%')).toBe('100%25');
    expect(encodeGrpcMessage('a\nb\tc\u007f')).toBe('a%0Ab%09c%7F');
    expect(encodeGrpcMessage('café 😀')).toBe('caf%C3%A9 %F0%9F%98%80');
  });

  it('decodes-back-with-decodeURI-as-grpc-js-does-and-with-decodeURIComponent-as-connect-does', () => {
    const message = 'batch_size must be >= 0 (got -1), 100% «é» 😀\nnext';
    expect(decodeURI(encodeGrpcMessage(message))).toBe(message);
    expect(decodeURIComponent(encodeGrpcMessage(message))).toBe(message);
  });
});

describe('reencodeGrpcMessage', () => {
  it('turns-connect-es-encodeURIComponent-value-into-the-spec-encoding', () => {
    expect(reencodeGrpcMessage(encodeURIComponent('batch_size must be >= 0 (got -1) 100% é'))).toBe('batch_size must be >= 0 (got -1) 100%25 %C3%A9');
  });

  it('keeps-a-value-that-is-not-percent-encoding', () => {
    expect(reencodeGrpcMessage('50%off')).toBe('50%off');
  });
});
