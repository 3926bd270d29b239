/**
 * `npm run dev-token`: a local token issuer, to try the platform with authentication on. Not for
 * production (it refuses NODE_ENV=production): it listens on 127.0.0.1 only, and its private keys
 * live in a git-ignored file readable by you alone (`$DATA_DIR/dev-issuer/keys.json`, mode 0600),
 * so tokens stay valid across restarts of the issuer and of the platform.
 *
 * - Nothing on DEV_ISSUER_PORT yet: serves the key set there until Ctrl-C, and prints the
 *   AUTH_* settings, how to start the platform against it, and a token.
 * - The issuer already running there (same keys): prints a fresh token alone on stdout and exits,
 *   so `TOKEN=$(npm run -s dev-token)` works in another terminal. Without a terminal and without a
 *   running issuer it fails instead of serving (a `$(...)` would wait forever), unless `--serve`.
 *
 * Options: `--scope "<scopes>"` (default `platforms:write commands:write`), `--ttl <duration>`
 * (default 1h; 5m, 30s, ...), `--subject <sub>` (default `local-developer`), `--serve`.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jwksPath, startLocalIssuer } from '@platform/runtime/auth/local-issuer';
import type { JWK, LocalIssuer } from '@platform/runtime/auth/local-issuer';
import { duration, nonEmptyString, oneOf, port, readConfig } from '@platform/runtime/config';

const repositoryRoot = resolve(import.meta.dirname, '..');
const audience = 'contract-first-platform';

const settings = {
  issuerPort: port('DEV_ISSUER_PORT', 8090),
  dataDir: nonEmptyString('DATA_DIR', join(repositoryRoot, 'data')),
  nodeEnv: oneOf('NODE_ENV', ['development', 'test', 'production'], 'development'),
};

/** The keys of earlier runs, or new ones written for the next. */
async function signingKeys(file: string): Promise<JWK[] | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the dev issuer's keys from ${file}: ${(error as Error).message} (delete the file to start over)`, { cause: error });
  }
}

async function saveKeys(file: string, issuer: LocalIssuer): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(await issuer.exportKeys(), null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** Whether the issuer on `origin` serves exactly these keys (a dev-token started earlier). */
async function servesOurKeys(origin: string, keys: readonly JWK[]): Promise<boolean> {
  const answer = await fetch(`${origin}${jwksPath}`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  const served = (await answer?.json().catch(() => undefined)) as { keys?: { kid?: string }[] } | undefined;
  const kids = (served?.keys ?? []).map((key) => key.kid).toSorted();
  return kids.length > 0 && JSON.stringify(kids) === JSON.stringify(keys.map((key) => key.kid).toSorted());
}

function guide(issuer: LocalIssuer, token: string, scope: string, ttl: string): string {
  const env = `AUTH_JWKS_URL=${issuer.jwksUrl} AUTH_ISSUER=${issuer.issuer} AUTH_AUDIENCE=${issuer.audience}`;
  return `
  Local token issuer (development only) at ${issuer.jwksUrl}

  Start the platform against it, in another terminal:
    ${env} npm start

  A token (scope "${scope}", valid ${ttl}):
    export TOKEN=${token}

  Try it:
    curl -si localhost:8080/api/platforms -H "authorization: Bearer $TOKEN" \\
      -H 'content-type: application/json' -d '{"name":"Docker","publisher":"Docker Inc.","cost":"Free"}'
  In Swagger UI (http://localhost:8080/docs/): Authorize, paste the token, then Try it out.

  Another token while this runs: TOKEN=$(npm run -s dev-token) (options: --scope "...", --ttl 5m).
  Ctrl-C stops the issuer; its keys stay in the data folder for the next run.
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string', default: 'platforms:write commands:write' },
      ttl: { type: 'string', default: '1h' },
      subject: { type: 'string', default: 'local-developer' },
      serve: { type: 'boolean', default: false },
    },
  });
  const config = readConfig(settings);
  if (config.nodeEnv === 'production') throw new Error('cannot run the dev issuer: NODE_ENV is production (use your real identity provider there)');
  const ttlMs = readConfig({ ttl: duration('TTL') }, { TTL: values.ttl }).ttl;
  const tokenOptions = { scope: values.scope, subject: values.subject, expiresInSeconds: Math.max(1, Math.round(ttlMs / 1000)) };
  const keyFile = join(resolve(config.dataDir), 'dev-issuer', 'keys.json');
  const keys = await signingKeys(keyFile);
  const origin = `http://127.0.0.1:${config.issuerPort}`;
  if (!values.serve && process.stdout.isTTY !== true && !(keys && (await servesOurKeys(origin, keys)))) {
    throw new Error(`cannot print a token: no dev issuer runs on port ${config.issuerPort}; start one with \`npm run dev-token\` in a terminal (or pass --serve)`);
  }

  let issuer: LocalIssuer;
  try {
    issuer = await startLocalIssuer({ port: config.issuerPort, audience, ...(keys ? { keys } : {}) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (!keys || !(await servesOurKeys(origin, keys))) throw new Error(`cannot run the dev issuer: port ${config.issuerPort} is taken by something else (set DEV_ISSUER_PORT)`, { cause: error });
    // Already running: sign with the same keys for its issuer, from a throw-away listener.
    const signer = await startLocalIssuer({ audience, keys, issuer: origin });
    process.stdout.write(`${await signer.sign(tokenOptions)}\n`);
    await signer.close();
    return;
  }
  if (!keys) await saveKeys(keyFile, issuer);
  process.stdout.write(guide(issuer, await issuer.sign(tokenOptions), values.scope, values.ttl));
  const stop = (): void => void issuer.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
