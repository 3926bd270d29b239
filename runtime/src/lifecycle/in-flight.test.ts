import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.ts';
import type { InFlightEntry } from './in-flight.ts';

describe('InFlight', () => {
  it('holds what was added and not yet deleted, newest first', () => {
    const inFlight = new InFlight<{ id: number }>();
    const items = [1, 2, 3, 4].map((id) => ({ id }));
    const entries = items.map((item) => inFlight.add(item));
    expect(inFlight.size).toBe(4);
    inFlight.delete(entries[1]!); // the middle
    inFlight.delete(entries[3]!); // the newest (the head)
    expect(inFlight.items().map(({ id }) => id)).toEqual([3, 1]);
    expect(inFlight.size).toBe(2);
    inFlight.delete(entries[0]!); // the oldest (the tail)
    inFlight.delete(entries[2]!);
    expect(inFlight.items()).toEqual([]);
    expect(inFlight.size).toBe(0);
    const again = inFlight.add(items[0]!);
    expect(inFlight.items()).toEqual([items[0]]);
    inFlight.delete(again);
    expect(inFlight.size).toBe(0);
  });

  it('ignores a second delete of the same entry', () => {
    const inFlight = new InFlight<object>();
    const first = inFlight.add({});
    const second = inFlight.add({});
    inFlight.delete(first);
    inFlight.delete(first);
    expect(inFlight.size).toBe(1);
    expect(inFlight.items()).toHaveLength(1);
    inFlight.delete(second);
    inFlight.delete(second);
    expect(inFlight.size).toBe(0);
    expect(inFlight.items()).toEqual([]);
  });

  it('lets a walk over its items delete them', () => {
    interface Call {
      entry?: InFlightEntry<Call>;
    }
    const inFlight = new InFlight<Call>();
    const items = [{}, {}, {}].map((item: Call) => {
      item.entry = inFlight.add(item);
      return item;
    });
    for (const item of inFlight.items()) inFlight.delete(item.entry!);
    expect(inFlight.size).toBe(0);
    expect(items.every(({ entry }) => entry?.item === undefined)).toBe(true);
  });

  it('keeps no link from a deleted entry to its neighbours or its item', () => {
    const inFlight = new InFlight<object>();
    const older = inFlight.add({});
    const entry = inFlight.add({});
    inFlight.add({});
    inFlight.delete(entry);
    expect(Object.values(entry).every((value) => value === undefined)).toBe(true);
    expect(older.item).toBeDefined();
  });
});
