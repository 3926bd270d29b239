import { describe, expect, it } from 'vitest';
import { createDockerignore, execForm, parseCopy, parseDockerfile } from './dockerfile.ts';

describe('parseDockerfile', () => {
  const dockerfile = parseDockerfile(`# syntax=docker/dockerfile:1
FROM node:24-slim AS build
WORKDIR /app
RUN --mount=type=cache,target=/root/.npm npm ci \\
 # a comment inside a continuation
 && npm run generate

FROM node:24-slim
COPY --from=build --chown=node /app/gen gen
COPY ["a b", "c/"]
CMD ["node", "src/main.ts"]
`);

  it('splits stages, joins continuation lines and drops comments', () => {
    expect(dockerfile.stages.map((stage) => [stage.name, stage.base])).toEqual([
      ['build', 'node:24-slim'],
      [undefined, 'node:24-slim'],
    ]);
    expect(dockerfile.stages[0]?.instructions[1]).toMatchObject({ keyword: 'RUN', args: '--mount=type=cache,target=/root/.npm npm ci && npm run generate', line: 4 });
  });

  it('reads COPY flags, sources and destination, in shell and exec form', () => {
    const [fromBuild, exec] = dockerfile.stages[1]?.instructions ?? [];
    expect(fromBuild && parseCopy(fromBuild)).toEqual({ from: 'build', sources: ['/app/gen'], destination: 'gen' });
    expect(exec && parseCopy(exec)).toEqual({ from: undefined, sources: ['a b'], destination: 'c/' });
    expect(execForm(dockerfile.stages[1]?.instructions[2]?.args ?? '')).toEqual(['node', 'src/main.ts']);
    expect(execForm('node src/main.ts')).toBeUndefined();
  });
});

describe('createDockerignore', () => {
  const ignore = createDockerignore('# comment\n**/node_modules\ngen/\n**/*.test.ts\n!keep.test.ts\n');

  it('excludes matching files and everything below matching folders', () => {
    expect(['gen/package.json', 'tools/node_modules/x/index.js', 'runtime/src/a.test.ts'].map((path) => ignore.excluded(path))).toEqual([true, true, true]);
  });

  it('keeps the rest, and what a later ! line re-includes', () => {
    expect(['runtime/src/a.ts', 'generated.txt', 'keep.test.ts'].map((path) => ignore.excluded(path))).toEqual([false, false, false]);
  });
});
