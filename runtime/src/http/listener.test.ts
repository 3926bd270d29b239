import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createHttpListener } from './listener.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('createHttpListener', () => {
  it('serves-until-closed-then-reports-draining-and-refuses-a-second-listen', async () => {
    const listener = createHttpListener((_req, res) => res.end('ok'), { name: 'part', drainTimeoutMs: 1000, logger });
    const { port } = await listener.listen(0, '127.0.0.1');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    await expect(listener.listen(0)).rejects.toThrow('cannot listen: part is already listening');
    expect(listener.draining).toBe(false);
    await listener.close();
    expect(listener.draining).toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow('fetch failed');
  });

  it('closes-quietly-when-it-never-listened', async () => {
    await expect(createHttpListener(() => {}, { name: 'part', drainTimeoutMs: 1000, logger }).close()).resolves.toBeUndefined();
  });
});
