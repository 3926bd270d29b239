/**
 * Just enough of the Dockerfile and .dockerignore formats to check our images without Docker:
 * stages, instructions (continuation lines joined, comments dropped), COPY sources and flags.
 */
import { matchesGlob } from 'node:path';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  /** The image after FROM. */
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly stages: readonly Stage[];
}

export interface CopyInstruction {
  /** `--from=<stage>`; undefined copies from the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

/**
 * The Dockerfile's text with the given build arguments (`${NAME}` and `$NAME`) replaced, as
 * `docker build --build-arg NAME=value` sees it; other `$` references are left alone.
 */
export function withBuildArgs(text: string, args: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => args[braced ?? bare ?? ''] ?? match);
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { keyword: string; parts: string[]; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const content = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (pending === undefined) {
      const match = /^(\w+)\s*(.*)$/.exec(content);
      if (!match) throw new Error(`cannot parse Dockerfile: line ${index + 1} is not an instruction`);
      pending = { keyword: (match[1] ?? '').toUpperCase(), parts: [match[2] ?? ''], line: index + 1 };
    } else if (content !== '') {
      pending.parts.push(content);
    }
    if (!continued) {
      instructions.push({ keyword: pending.keyword, args: pending.parts.join(' ').trim(), line: pending.line });
      pending = undefined;
    }
  });
  const stages: { name: string | undefined; base: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [base = '', as, name] = instruction.args.split(/\s+/);
      stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`cannot parse Dockerfile: ${instruction.keyword} on line ${instruction.line} comes before FROM`);
      stage.instructions.push(instruction);
    }
  }
  return { stages };
}

/** Splits `--flag=value` options from the front of an instruction's arguments. */
export function splitFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args.trim();
  for (let match = /^--([\w-]+)=(\S+)\s+/.exec(rest); match; match = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
    flags[match[1] ?? ''] = match[2] ?? '';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** The arguments of an exec-form instruction (`["node", "src/main.ts"]`), or undefined in shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string') ? parsed : undefined;
}

export function parseCopy(instruction: Instruction): CopyInstruction {
  const { flags, rest } = splitFlags(instruction.args);
  const parts = execForm(rest) ?? rest.split(/\s+/);
  const destination = parts.at(-1);
  if (parts.length < 2 || destination === undefined) throw new Error(`cannot parse COPY on line ${instruction.line}: needs a source and a destination`);
  return { from: flags.from, sources: parts.slice(0, -1), destination };
}

/**
 * A .dockerignore matcher: `excluded(path)` for a context-relative path with `/`. A pattern also
 * excludes everything below a matching folder; `!pattern` re-includes; the last matching line wins.
 */
export function createDockerignore(text: string): { excluded(path: string): boolean } {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.startsWith('!') ? { include: true, pattern: clean(line.slice(1)) } : { include: false, pattern: clean(line) }));
  return {
    excluded(path: string): boolean {
      const segments = path.split('/');
      const prefixes = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
      let excluded = false;
      for (const rule of rules) {
        if (prefixes.some((prefix) => matchesGlob(prefix, rule.pattern))) excluded = !rule.include;
      }
      return excluded;
    },
  };
}

function clean(pattern: string): string {
  return pattern.replace(/^\/+/, '').replace(/\/+$/, '');
}
