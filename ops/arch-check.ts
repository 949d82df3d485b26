/**
 * The dependency rules, checked on every `npm test` (exit 1 on a violation):
 *  - domain/ imports only domain/ (no packages, no node: built-ins: pure functions);
 *  - eventstore/ and platform/ import no feature layer;
 *  - commands/ never imports api/, indexer/, projections/ or integration/;
 *  - integration/ (the outbox relay) reads the log only through projections/read-log.ts and never
 *    imports api/, commands/ or indexer/;
 *  - api/ uses projections only through their public modules (queries, read-scope, status)
 *    and never imports indexer/;
 *  - sdk/ (the published client) imports only sdk/: no server code, no packages;
 *  - every route an api/ file registers (`app.get(…)`, `app.route(…)`…) declares `config` (its
 *    policy, see api/plugins/route-policy.ts; the app also refuses to start without one).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.ARCH_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const PROJECTIONS_PUBLIC = /^projections\/(?:[^/]+\/queries\.ts|read-scope\.ts|status\.ts)$/;
const FEATURE_LAYERS = ['domain', 'commands', 'api', 'projections', 'indexer', 'integration'];

type Rule = (from: string, target: string | null, spec: string) => string | null;

const layer = (path: string) => path.split('/')[0]!;
const rules: Record<string, Rule> = {
  domain: (_f, target, spec) => (target && layer(target) === 'domain' ? null : `domain/ must stay pure, imports ${spec}`),
  eventstore: (_f, target) => (target && FEATURE_LAYERS.includes(layer(target)) ? `eventstore/ imports ${target}` : null),
  platform: (_f, target) => (target && FEATURE_LAYERS.includes(layer(target)) ? `platform/ imports ${target}` : null),
  commands: (_f, target) => (target && ['api', 'indexer', 'projections', 'integration'].includes(layer(target)) ? `commands/ imports ${target}` : null),
  integration: (_f, target) => {
    if (!target) return null;
    if (['api', 'commands', 'indexer'].includes(layer(target))) return `integration/ imports ${target}`;
    if (layer(target) === 'projections' && target !== 'projections/read-log.ts') return `integration/ reaches into projections beyond read-log.ts (${target})`;
    return null;
  },
  sdk: (_f, target, spec) => (target && layer(target) === 'sdk' ? null : `sdk/ must depend on nothing but itself, imports ${spec}`),
  api: (_f, target) => {
    if (!target) return null;
    if (layer(target) === 'indexer') return `api/ imports indexer internals (${target})`;
    if (layer(target) === 'projections' && !PROJECTIONS_PUBLIC.test(target)) return `api/ reaches into projection internals (${target})`;
    return null;
  },
};

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const violations: string[] = [];
for (const [folder, rule] of Object.entries(rules)) {
  if (!existsSync(join(root, folder))) continue;
  for (const file of files(join(root, folder))) {
    const from = relative(root, file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (match[1] ?? match[2])!;
      const target = spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)) : null;
      const problem = rule(from, target, spec);
      if (problem) violations.push(`${from}: ${problem}`);
    }
  }
}

const ROUTE_CALL = /\bapp\.(get|post|put|patch|delete|options|head|all|route)\(\s*(['"`][^'"`]*['"`])?/g;

/** Each route registration's text, up to the next one, must mention `config`. */
function routesWithoutPolicy(text: string): string[] {
  const calls = [...text.matchAll(ROUTE_CALL)];
  return calls
    .filter((call, i) => !/\bconfig\b/.test(text.slice(call.index, calls[i + 1]?.index ?? text.length)))
    .map((call) => `${call[1]!.toUpperCase()} ${call[2] ?? ''}`.trim());
}

if (existsSync(join(root, 'api'))) {
  for (const file of files(join(root, 'api'))) {
    for (const route of routesWithoutPolicy(readFileSync(file, 'utf8'))) {
      violations.push(`${relative(root, file)}: route ${route} declares no config.policy`);
    }
  }
}

if (violations.length > 0) {
  console.error(`architecture check failed:\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log('architecture check passed');
