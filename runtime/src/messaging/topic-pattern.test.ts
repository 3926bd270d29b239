import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic-pattern.ts';

describe('topicMatches (AMQP topic exchange rules)', () => {
  it.each([
    ['platform.published', 'platform.published', true],
    ['platform.published', 'platform.updated', false],
    ['platform.*', 'platform.updated', true],
    ['platform.*', 'platform', false],
    ['platform.*', 'platform.a.b', false],
    ['platform.#', 'platform', true],
    ['platform.#', 'platform.a.b', true],
    ['#', 'anything.at.all', true],
    ['*.published', 'platform.published', true],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c', false],
    ['a.*.#', 'a', false],
  ])('%s against %s is %s', (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
  });
});
