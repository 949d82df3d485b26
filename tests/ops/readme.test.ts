import { readFileSync } from 'node:fs';
import t from 'tap';
import { CONFIG_VARIABLES } from '../../platform/config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

t.test('the README opens with the two commands', async (t) => {
  const firstBlock = readme.slice(0, readme.indexOf('```', readme.indexOf('```') + 3));
  t.match(firstBlock, /npm ci && npm start/);
  t.match(firstBlock, /npm test/);
});

t.test('every configuration variable is in the README table', async (t) => {
  for (const name of CONFIG_VARIABLES) t.match(readme, new RegExp(`\\| \`${name}\` \\|`), name);
});

t.test('.ci/run runs the README test command', async (t) => {
  t.match(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8'), /^npm test$/m);
});
