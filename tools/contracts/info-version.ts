/**
 * `info.version` of an OpenAPI or AsyncAPI document, raised to the release version by
 * `contracts:release`. Only that scalar's bytes change: comments, order, quoting and layout of
 * the rest of the document stay as written.
 */
import { isScalar, parseDocument, Scalar } from 'yaml';

/** The document text with `info.version` set to `version` (in the same quoting style). */
export function withInfoVersion(text: string, version: string, file: string): string {
  const document = parseDocument(text, { keepSourceTokens: true });
  if (document.errors.length > 0) throw new Error(`cannot set info.version of ${file}: ${document.errors[0]!.message}`);
  const node = document.getIn(['info', 'version'], true);
  if (!isScalar(node) || node.range === undefined || node.range === null) throw new Error(`cannot set info.version of ${file}: the document has no info.version`);
  if (node.value === version) return text;
  const [start, end] = node.range;
  const quote = node.type === Scalar.QUOTE_DOUBLE ? '"' : node.type === Scalar.QUOTE_SINGLE ? "'" : node.type === Scalar.PLAIN ? '' : undefined;
  if (quote === undefined) throw new Error(`cannot set info.version of ${file}: write it as a one-line scalar (it is a ${String(node.type)})`);
  return `${text.slice(0, start)}${quote}${version}${quote}${text.slice(end)}`;
}
