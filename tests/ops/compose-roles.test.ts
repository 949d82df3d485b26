import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';

// docker-compose runs what the README's "Database roles" asks of production: migrations as the
// owner in a one-shot service, every long-running service as a login role of its own group.

interface Service { command?: string[]; entrypoint?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; image?: string }
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const substream = Object.entries(services).filter(([, s]) => s.image === 'substream:local');

/** The group each substream command runs as. */
const GROUP_OF: Record<string, string> = { serve: 'substream_api', project: 'substream_projector', relay: 'substream_projector', index: 'substream_indexer' };
const owner = (services.postgres?.environment ?? {}).POSTGRES_USER;

t.ok(owner, 'the owner role is POSTGRES_USER of the postgres service');
t.ok(services.migrate, 'a one-shot migrate service');
t.match(services.migrate?.environment?.DATABASE_URL ?? '', new RegExp(`^postgres://${owner}:`), 'migrate connects as the owner');
for (const group of new Set(Object.values(GROUP_OF))) {
  t.match(services.migrate?.command?.join(' ') ?? '', new RegExp(`login-role ${group} `), `migrate creates the ${group} login role`);
}
t.ok(substream.length >= 4, substream.map(([name]) => name).join(', '));
/** login role → the variable its password comes from, as the migrate service creates it. */
const passwordOf = new Map([...(services.migrate?.command?.join(' ') ?? '').matchAll(/LOGIN_ROLE_PASSWORD="\$\$(\w+)" node bin\/substream\.ts login-role \w+ (\w+)/g)].map((m) => [m[2]!, m[1]!]));
t.equal(passwordOf.size, 3, 'three login roles, each with its own password variable');
t.equal(new Set(passwordOf.values()).size, 3, 'no two share a password');
for (const [name, service] of substream) {
  if (name === 'migrate') continue;
  const command = service.command?.[0] ?? 'serve';
  const group = GROUP_OF[command];
  t.ok(group, `${name}: runs a known command (${command})`);
  const env = service.environment ?? {};
  const user = /^postgres:\/\/([^:@]+)/.exec(env.DATABASE_URL ?? '')?.[1];
  t.not(user, owner, `${name}: does not connect as the owner`);
  t.match(services.migrate?.command?.join(' ') ?? '', new RegExp(`login-role ${group} ${user}\\b`), `${name}: logs in as ${user}, a login role of ${group}`);
  const password = /^postgres:\/\/[^:@]+:\$\{(\w+)(?::\?[^}]*)?\}@/.exec(env.DATABASE_URL ?? '')?.[1];
  t.equal(password, passwordOf.get(user!), `${name}: logs in with the password migrate gave ${user}`);
  if (group === 'substream_api') t.same(service.command, ['serve', '--no-projectors'], `${name}: the API role serves only (the projectors need substream_projector)`);
  t.notOk(env.MIGRATE_ON_START === 'true', `${name}: does not migrate at start`);
  t.same(service.depends_on?.migrate, { condition: 'service_completed_successfully' }, `${name}: starts after the migrations`);
}
