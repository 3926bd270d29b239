import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configMapHash, kustomize } from './kustomize.ts';

describe('kustomize', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kustomize-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: example/web:1.0
          envFrom: [{ configMapRef: { name: web-config } }]
`;

  it('hashes a generated ConfigMap name the way kubectl kustomize does', () => {
    // Suffix taken from `kubectl kustomize` (kustomize v5.5.0) for these literals.
    const data = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      HTTP_PORT: '8080',
      PLATFORM_SERVICE_URL: 'http://platform-service:5000',
      COMMANDS_SERVICE_URL: 'http://commands-service:6000',
      DRAIN_TIMEOUT: '15s',
    };
    expect(configMapHash(data)).toBe('67dm4b6879');
  });

  it('applies namespace, images, replicas, JSON patches and renames generated ConfigMap references', async () => {
    await writeFile(join(dir, 'web.yaml'), deployment);
    await writeFile(
      join(dir, 'kustomization.yaml'),
      `resources: [web.yaml]
namespace: shop
images: [{ name: example/web, newTag: '2.0' }]
replicas: [{ name: web, count: 5 }]
configMapGenerator: [{ name: web-config, literals: [A=1] }]
patches:
  - target: { kind: Deployment, name: web }
    patch: |-
      - op: add
        path: /metadata/labels
        value: { tier: front }
`,
    );
    const [configMap, web] = await kustomize(dir);
    expect(configMap).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `web-config-${configMapHash({ A: '1' })}`, namespace: 'shop' }, data: { A: '1' } });
    expect(web).toMatchObject({
      metadata: { name: 'web', namespace: 'shop', labels: { tier: 'front' } },
      spec: { replicas: 5, template: { spec: { containers: [{ image: 'example/web:2.0', envFrom: [{ configMapRef: { name: configMap?.metadata.name } }] }] } } },
    });
  });

  it('refuses kustomization fields it does not implement', async () => {
    await writeFile(join(dir, 'kustomization.yaml'), 'resources: []\ncommonLabels: { a: b }\n');
    await expect(kustomize(dir)).rejects.toThrow(/unsupported fields commonLabels/);
  });

  it('refuses a patch on a path that does not exist', async () => {
    await writeFile(join(dir, 'web.yaml'), deployment);
    await writeFile(join(dir, 'kustomization.yaml'), "resources: [web.yaml]\npatches:\n  - target: { kind: Deployment }\n    patch: '[{op: remove, path: /spec/nothing}]'\n");
    await expect(kustomize(dir)).rejects.toThrow(/\/spec\/nothing does not exist/);
  });

  it('refuses to merge into a ConfigMap no base generates', async () => {
    await writeFile(join(dir, 'kustomization.yaml'), 'configMapGenerator: [{ name: missing, behavior: merge, literals: [A=1] }]\n');
    await expect(kustomize(dir)).rejects.toThrow(/merges into a ConfigMap no base generates/);
  });
});
