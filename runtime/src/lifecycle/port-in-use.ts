/**
 * The one line a part stops with when a listener's port is taken, naming the setting to change
 * instead of an EADDRINUSE stack trace: `cannot start platform-service: port 5000 is already in
 * use; set HTTP_PORT to a free port`. Undefined for any other error.
 *
 * `ports` maps each setting (environment variable) to the port it configured.
 */
export function portInUse(part: string, error: unknown, ports: Readonly<Record<string, number>>): string | undefined {
  const failure = error as NodeJS.ErrnoException & { readonly port?: unknown; readonly address?: unknown };
  if (failure?.code !== 'EADDRINUSE') return undefined;
  const port = typeof failure.port === 'number' ? failure.port : undefined;
  const variables = Object.entries(ports).filter(([, value]) => value === port).map(([variable]) => variable);
  const where = port === undefined ? 'a port it needs' : `port ${port}${typeof failure.address === 'string' && failure.address !== '::' && failure.address !== '0.0.0.0' ? ` on ${failure.address}` : ''}`;
  const change = variables.length > 0 ? `set ${variables.join(' or ')} to a free port` : `set ${Object.keys(ports).join(', ')} to free ports`;
  return `cannot start ${part}: ${where} is already in use; ${change}`;
}
