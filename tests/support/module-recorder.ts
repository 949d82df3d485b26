/**
 * Preload that records every file the process loads as a module (`import` and `require`, through
 * `module.registerHooks`) or reads through `node:fs`, and writes them as one JSON array to the
 * file named by LOADED_FILES_OUT when the process exits. Used by tests/ops/prune.test.ts:
 *
 *   LOADED_FILES_OUT=/tmp/x.json node --import ./tests/support/module-recorder.ts bin/substream.ts serve
 */
import fs from 'node:fs';
import { registerHooks, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';

const out = process.env.LOADED_FILES_OUT;
if (!out) throw new Error('module-recorder: set LOADED_FILES_OUT');
const files = new Set<string>();
const record = (target: unknown) => {
  if (typeof target === 'string') files.add(target);
  else if (target instanceof URL && target.protocol === 'file:') files.add(fileURLToPath(target));
};

registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) record(new URL(url));
    return nextLoad(url, context);
  },
});

type Patchable = Record<string, (...args: unknown[]) => unknown>;
const readers: [Patchable, string][] = [
  [fs as unknown as Patchable, 'readFileSync'],
  [fs as unknown as Patchable, 'readFile'],
  [fs as unknown as Patchable, 'createReadStream'],
  [fs as unknown as Patchable, 'openSync'],
  [fs as unknown as Patchable, 'open'],
  [fs.promises as unknown as Patchable, 'readFile'],
  [fs.promises as unknown as Patchable, 'open'],
];
for (const [owner, name] of readers) {
  const original = owner[name]!;
  owner[name] = function (this: unknown, ...args: unknown[]) {
    record(args[0]);
    return original.apply(this, args);
  };
}
syncBuiltinESMExports();

process.on('exit', () => fs.writeFileSync(out, JSON.stringify([...files].sort())));
