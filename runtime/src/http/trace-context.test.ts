import { describe, expect, it } from 'vitest';
import { traceparentFrom } from './trace-context.ts';

const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparentFrom', () => {
  it('returns-a-well-formed-traceparent', () => {
    expect(traceparentFrom({ traceparent: valid })).toBe(valid);
    expect(traceparentFrom({ traceparent: ` ${valid} ` })).toBe(valid);
  });

  it.each([
    ['absent', undefined],
    ['repeated', [valid, valid]],
    ['upper-case hex', valid.toUpperCase()],
    ['too short', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['version ff', `ff${valid.slice(2)}`],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['garbage', 'not a trace'],
  ])('drops-a-%s-header', (_case, value) => {
    expect(traceparentFrom({ traceparent: value })).toBeUndefined();
  });
});
