/** The settings the test passes in, and one JSON line out. */
export function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`cannot run the consumer: ${name} is not set`);
  return value;
}

export function report(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ node: process.version, ...result })}\n`);
}
