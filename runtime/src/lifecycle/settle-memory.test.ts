import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { settleMemory } from './settle-memory.ts';

describe('settleMemory', () => {
  it('collects what is no longer reachable, without leaving a global gc behind', async () => {
    let garbage: object | undefined = { payload: Array.from({ length: 1000 }, (_, index) => index) };
    const ref = new WeakRef(garbage);
    garbage = undefined;
    // A WeakRef keeps its target until the end of the current job.
    await nextTurn();
    settleMemory();
    expect(ref.deref()).toBeUndefined();
    expect('gc' in globalThis).toBe(false);
    // A second call works the same (nothing is cached between calls).
    settleMemory();
  });
});
