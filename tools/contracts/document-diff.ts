/**
 * Every edit between two parsed documents, as JSON pointers: the complete list behind the
 * classified findings, so that a reviewer sees descriptions, examples and extensions too.
 * An added or removed subtree is one entry; arrays of scalars are compared as lists.
 */
import { isObject, pointerSegment } from './json-ref.ts';

export interface DocumentEdit {
  readonly pointer: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

export function diffDocuments(before: unknown, after: unknown, pointer = ''): DocumentEdit[] {
  if (isObject(before) && isObject(after)) {
    const edits: DocumentEdit[] = [];
    for (const key of Object.keys(before)) {
      const at = `${pointer}/${pointerSegment(key)}`;
      if (!(key in after)) edits.push({ pointer: at, kind: 'removed', before: before[key] });
      else edits.push(...diffDocuments(before[key], after[key], at));
    }
    for (const key of Object.keys(after)) {
      if (!(key in before)) edits.push({ pointer: `${pointer}/${pointerSegment(key)}`, kind: 'added', after: after[key] });
    }
    return edits;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && before.some((item) => typeof item === 'object' && item !== null)) {
    // Same-length arrays of objects (parameters, tags, servers): compare item by item.
    return before.flatMap((item, index) => diffDocuments(item, after[index], `${pointer}/${index}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ pointer: pointer || '/', kind: 'changed', before, after }];
}

/** One line per edit: `~ /info/version: "1.0.0" → "1.1.0"`. */
export function formatEdit(edit: DocumentEdit): string {
  const sign = edit.kind === 'added' ? '+' : edit.kind === 'removed' ? '-' : '~';
  if (edit.kind === 'changed') return `${sign} ${edit.pointer}: ${brief(edit.before)} → ${brief(edit.after)}`;
  return `${sign} ${edit.pointer}`;
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}
