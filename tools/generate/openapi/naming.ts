/** Identifier helpers shared by the OpenAPI emitters. */

/** `platform-service` → `PlatformService`, `getPlatformById` → `GetPlatformById`. */
export function pascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  const joined = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  if (!/^[A-Za-z_]/.test(joined)) throw new Error(`cannot derive an identifier from "${name}": it must start with a letter`);
  return joined;
}

/** `platform-service` → `platformService`. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** A string literal in generated code (single quotes, as the house style writes them). */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Property key: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name);
}

/** A JSDoc block from free text, indented; empty lines are kept, `*\/` is defused. */
export function docComment(text: string, indent = ''): string {
  const lines = text.replace(/\*\//g, '*\\/').trimEnd().split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} *${line ? ` ${line}` : ''}`).join('\n')}\n${indent} */\n`;
}
