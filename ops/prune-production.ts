/**
 * Deletes from a production `node_modules` the files Node never loads when it runs SubStream, so
 * the image stays under 250 MB. The Dockerfile's runtime stage runs it right after `npm ci`:
 *
 *   node prune-production.ts node_modules
 *
 * Each rule says why Node cannot load what it deletes; `tests/ops/prune.test.ts` records every file
 * the app loads while it boots and serves requests and fails when a rule matches one of them.
 * Imports only `node:` builtins, so it runs before the app's files are copied in.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PruneRule {
  name: string;
  why: string;
  /** Whether the rule deletes this path, relative to the top `node_modules` with `/` separators. */
  matches(path: string): boolean;
}

/** Folders of one package (top-level install only) that no resolution from our code reaches. */
const UNREACHABLE_FOLDERS = [
  // `exports` of @stellar/stellar-sdk 17: `import` → lib/esm; lib/cjs is the `require` target, lib/axios the
  // `./axios*` subpaths, dist/ the UMD browser bundles (no condition names it). Only our ESM code depends on it.
  '@stellar/stellar-sdk/dist/',
  '@stellar/stellar-sdk/lib/cjs/',
  '@stellar/stellar-sdk/lib/axios/',
  // stripe 23: `default.import` → esm/stripe.esm.node.js, which imports only esm/; cjs/ is the `require`
  // target and only the root package depends on stripe (ESM, and no module imports it today).
  'stripe/cjs/',
  // axios 1: its only dependent is stellar-sdk's lib/esm, an `import`, which resolves to index.js → lib/;
  // dist/node/axios.cjs is the `require` target, the rest are browser, react-native and UMD bundles.
  'axios/dist/',
  // bintrees 1 (via prom-client → tdigest): `main` index.js requires only lib/; test/ is its test suite and data.
  'bintrees/test/',
];

export const PRUNE_RULES: readonly PruneRule[] = [
  {
    name: 'typescript',
    why: 'Node refuses to strip types under node_modules (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING): .ts/.mts/.cts, declarations included, cannot load',
    matches: (path) => /\.[cm]?ts$/.test(path),
  },
  {
    name: 'source-maps',
    why: 'Node reads source maps only with --enable-source-maps, which the image does not set',
    matches: (path) => path.endsWith('.map'),
  },
  {
    name: 'docs',
    why: 'markdown is never imported or required; licence texts stay',
    matches: (path) => /\.(md|markdown)$/i.test(path) && !/^licen[cs]e/i.test(basename(path)),
  },
  {
    name: 'unreachable-folders',
    why: 'module formats, bundles and tests that no `exports` or `main` path reached from our imports leads to',
    matches: (path) => UNREACHABLE_FOLDERS.some((folder) => path.startsWith(folder)),
  },
];

/**
 * The rule that deletes a path relative to the top `node_modules`, if any.
 *
 * @example pruneRuleFor('@stellar/stellar-sdk/lib/cjs/index.js')?.name // 'unreachable-folders'
 */
export function pruneRuleFor(path: string): PruneRule | undefined {
  return PRUNE_RULES.find((rule) => rule.matches(path));
}

/**
 * Deletes every file of `nodeModules` a rule matches and reports what went, per rule.
 *
 * @example const { files, bytes } = await pruneProduction('/app/node_modules');
 */
export async function pruneProduction(nodeModules: string): Promise<{ files: number; bytes: number; byRule: Record<string, number> }> {
  const entries = await readdir(nodeModules, { recursive: true, withFileTypes: true });
  const byRule: Record<string, number> = {};
  let files = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const rule = pruneRuleFor(relative(nodeModules, file).split(sep).join('/'));
    if (!rule) continue;
    const { size } = await stat(file);
    await rm(file);
    files += 1;
    bytes += size;
    byRule[rule.name] = (byRule[rule.name] ?? 0) + size;
  }
  return { files, bytes, byRule };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = process.argv[2] ?? 'node_modules';
  const { files, bytes, byRule } = await pruneProduction(target);
  const mb = (n: number) => (n / 1048576).toFixed(1);
  const rules = Object.entries(byRule).map(([name, size]) => `${name} ${mb(size)} MB`).join(', ');
  console.log(`prune-production: deleted ${files} files, ${mb(bytes)} MB from ${target} (${rules})`);
}
