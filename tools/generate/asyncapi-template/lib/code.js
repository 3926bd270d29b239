/**
 * Small helpers for writing TypeScript source: names, literals and doc comments.
 * Plain JavaScript: the AsyncAPI generator transpiles templates with Babel, not TypeScript.
 */

/** Fails generation with a message that names the contract problem. */
export function fail(why) {
  throw new Error(`cannot generate the AsyncAPI TypeScript module: ${why}`);
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Whether `name` can be written as a bare property name or binding. */
export function isIdentifier(name) {
  return identifier.test(name);
}

/** `platform.published`, `platform-published` or `platformPublished` -> `PlatformPublished`. */
export function pascalCase(name) {
  const words = String(name).split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) fail(`"${name}" does not contain a letter or digit`);
  const result = words.map((word) => word[0].toUpperCase() + word.slice(1)).join('');
  if (!isIdentifier(result)) fail(`"${name}" does not make a TypeScript identifier`);
  return result;
}

/** `PlatformPublished` -> `platformPublished`. */
export function camelCase(name) {
  const pascal = pascalCase(name);
  return pascal[0].toLowerCase() + pascal.slice(1);
}

/** A single-quoted TypeScript string literal. */
export function quote(text) {
  return `'${JSON.stringify(String(text)).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A property key: bare when it is an identifier, quoted otherwise. */
export function key(name) {
  return isIdentifier(name) ? name : quote(name);
}

/**
 * A TypeScript literal for a JSON value, objects and arrays over several lines (arrays of
 * primitives on one line), indented by `indent` spaces beyond the current line.
 */
export function literal(value, indent = 0) {
  const pad = ' '.repeat(indent);
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => item === null || typeof item !== 'object')) return `[${value.map((item) => literal(item)).join(', ')}]`;
    return `[\n${value.map((item) => `${pad}  ${literal(item, indent + 2)},\n`).join('')}${pad}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([name, item]) => `${pad}  ${key(name)}: ${literal(item, indent + 2)},\n`).join('')}${pad}}`;
  }
  fail(`cannot write ${typeof value} as a literal`);
}

/** A `/** ... *\/` doc comment for `text` (empty when there is no text), indented by `indent`. */
export function docComment(text, indent = 0) {
  const lines = String(text ?? '')
    .replace(/\*\//g, '*\\/')
    .trim()
    .split('\n')
    .map((line) => line.trimEnd());
  if (lines.length === 1 && lines[0] === '') return '';
  const pad = ' '.repeat(indent);
  if (lines.length === 1) return `${pad}/** ${lines[0]} */\n`;
  return `${pad}/**\n${lines.map((line) => (line === '' ? `${pad} *\n` : `${pad} * ${line}\n`)).join('')}${pad} */\n`;
}
