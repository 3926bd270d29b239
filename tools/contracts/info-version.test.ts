import { describe, expect, it } from 'vitest';
import { withInfoVersion } from './info-version.ts';

const document = `# The shop.
openapi: 3.1.0
info:
  title: Shop   # trailing comment
  version: 1.0.0
  description: |
    version: 1.0.0 in a description stays.
paths: {}
`;

describe('withInfoVersion', () => {
  it('changes-only-the-info-version-scalar', () => {
    expect(withInfoVersion(document, '1.2.0', 'shop.yaml')).toBe(document.replace('  version: 1.0.0\n', '  version: 1.2.0\n'));
  });

  it('keeps-the-quoting-style', () => {
    expect(withInfoVersion("info:\n  version: '1.0.0'\n", '2.0.0', 'x.yaml')).toBe("info:\n  version: '2.0.0'\n");
    expect(withInfoVersion('info: { title: X, version: "1.0.0" }\n', '2.0.0', 'x.yaml')).toBe('info: { title: X, version: "2.0.0" }\n');
  });

  it('leaves-a-document-that-already-says-the-version-byte-for-byte', () => {
    expect(withInfoVersion(document, '1.0.0', 'shop.yaml')).toBe(document);
  });

  it('refuses-a-document-without-info-version', () => {
    expect(() => withInfoVersion('openapi: 3.1.0\ninfo:\n  title: X\n', '1.0.0', 'x.yaml')).toThrow('cannot set info.version of x.yaml: the document has no info.version');
  });
});
