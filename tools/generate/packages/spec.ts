/**
 * What a client package of the contracts is made of. Each package is compiled from files that the
 * other generation steps already write into gen/, which must be runtime-free: they import only one
 * another and the npm packages listed as dependencies (never @platform/*, never node: built-ins, so
 * they run on Node 20+, in browsers and through bundlers). build.ts enforces that.
 *
 * Adding a package is one more `PackageSpec` in contract-packages.ts: its generated files, its
 * dependencies, the contract it is versioned with, and its README.
 */

/** The npm scope of the client packages. */
export const packageScope = '@contract-first';

/** A module compiled into a package: a file below gen/, or a module written for the package itself. */
export type PackageModule = { readonly gen: string } | { readonly text: string };

/** What build.ts knows after compiling, for a README that shows real names. */
export interface ReadmeContext {
  /** The package version (from the contract release, see version.ts). */
  readonly version: string;
  /** The `.` entry point, loaded: its exported values by name. */
  readonly entry: Readonly<Record<string, unknown>>;
  /** Every entry point, loaded, by subpath (`.`, `./amqp`). */
  readonly entries: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PackageSpec {
  /** npm name, `@contract-first/platform-service-client`. */
  readonly name: string;
  /** Folder below gen/packages/, `platform-service-client`. */
  readonly folder: string;
  readonly description: string;
  readonly keywords: readonly string[];
  /** SPDX licence identifier, when the contract states one. */
  readonly license?: string;
  /**
   * The contract sources the package is compiled from, relative to the repository root: files, or
   * folders standing for every file below them. They decide the package version (version.ts).
   */
  readonly contracts: readonly string[];
  /** The package's modules: path below its src/ (`client.ts`) → where the source comes from. */
  readonly modules: Readonly<Record<string, PackageModule>>;
  /** Entry points: package subpath (`.`, `./types`) → module path below src/ (`client.ts`). `.` is required. */
  readonly entryPoints: Readonly<Record<string, string>>;
  /** npm packages the modules import (at run time or in their types); each gets `^<version installed here>`. */
  readonly dependencies: readonly string[];
  /**
   * npm packages that only some entry points import, and only for their types, which the caller
   * brings and shares with the package (amqplib, whose channels the AMQP helpers take): optional
   * `peerDependencies` at `^<version installed here>`. Default none.
   */
  readonly optionalPeerDependencies?: readonly string[];
  /**
   * Ambient type packages the modules compile against (`['node']` for a Node-only module that uses
   * `Buffer`). Default none: a module meant for browsers cannot use Node's globals by mistake.
   */
  readonly types?: readonly string[];
  /** Files shipped as they are, each exported under its own path: path in the package → path below the repository root. */
  readonly files: Readonly<Record<string, string>>;
  /** README.md of the package: what it holds and a ten-line use. */
  readme(context: ReadmeContext): string;
}
