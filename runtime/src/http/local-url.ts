import type { AddressInfo } from 'node:net';

/** The URL clients on this machine reach a listener at: the wildcard addresses become the loopback. */
export function localUrl(address: AddressInfo): string {
  const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
