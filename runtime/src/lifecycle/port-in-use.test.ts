import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portInUse } from './port-in-use.ts';

/** The error Node gives a listener whose port is taken. */
async function addressInUseError(host?: string): Promise<{ error: unknown; port: number }> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, host, resolve));
  const { port } = holder.address() as AddressInfo;
  const second = createServer();
  const error = await new Promise((resolve) => second.once('error', resolve).listen(port, host));
  await new Promise((resolve) => holder.close(resolve));
  return { error, port };
}

describe('portInUse', () => {
  it('names-the-variable-that-set-the-taken-port', async () => {
    const { error, port } = await addressInUseError();
    expect(portInUse('platform-service', error, { HTTP_PORT: port, GRPC_PORT: port + 1 })).toBe(`cannot start platform-service: port ${port} is already in use; set HTTP_PORT to a free port`);
    expect(portInUse('x', error, { A_PORT: port, B_PORT: port })).toBe(`cannot start x: port ${port} is already in use; set A_PORT or B_PORT to a free port`);
  });

  it('names-the-address-when-bound-to-one', async () => {
    const { error, port } = await addressInUseError('127.0.0.1');
    expect(portInUse('gateway', error, { HTTP_PORT: port })).toBe(`cannot start gateway: port ${port} on 127.0.0.1 is already in use; set HTTP_PORT to a free port`);
  });

  it('leaves-other-errors-alone', () => {
    expect(portInUse('x', new Error('boom'), { HTTP_PORT: 1 })).toBeUndefined();
    expect(portInUse('x', Object.assign(new Error('denied'), { code: 'EACCES', port: 80 }), { HTTP_PORT: 80 })).toBeUndefined();
  });
});
