import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { cliCommandNames } from '../support/cli-commands.ts';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../platform/config.ts';

// No Docker engine runs here: these are static checks of what an engine would build and run.
const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  healthcheck?: { disable?: boolean; test?: string[] };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const commandTable = cliCommandNames();

/** The secrets an operator puts in `.env`: compose must refuse to start without them. */
const OPERATOR_SECRETS: Record<string, string> = {
  JWT_SECRET: 'operator-jwt-secret-at-least-32-characters',
  API_KEY_PEPPER: 'operator-api-key-pepper-at-least-32-chars',
  SEP10_SIGNING_SECRET: 'SABQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGC45',
  POSTGRES_PASSWORD: 'operator-database-password',
  API_DB_PASSWORD: '6170692d64622d70617373776f7264',
  PROJECTOR_DB_PASSWORD: '70726f6a6563746f722d64622d7077',
  INDEXER_DB_PASSWORD: '696e64657865722d64622d70617373',
  PII_MASTER_KEY: 'b3BlcmF0b3ItcGlpLW1hc3Rlci1rZXktMzItYnl0ZXM=',
  MINIO_ROOT_PASSWORD: 'operator-minio-password',
};

/**
 * Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `${NAME:?message}` (which fails
 * when NAME is unset or empty), with the operator's `.env` unless told otherwise.
 */
function interpolate(value: string, env: Record<string, string> = OPERATOR_SECRETS): string {
  return value.replace(/\$\{(\w+)(?:(:?-)([^}]*)|:\?([^}]*))?\}/g, (_m, name: string, dash?: string, fallback?: string, required?: string) => {
    if (required !== undefined && !env[name]) throw new Error(`${name}: ${required}`);
    return env[name] || (dash ? fallback ?? '' : '');
  });
}

/** What the image sets (Dockerfile ENV) under what compose sets. */
const IMAGE_ENV = { NODE_ENV: 'production' };

t.test('the compose file has the infrastructure and the four SubStream services', async (t) => {
  for (const name of ['postgres', 'redis', 'kafka', 'api', 'indexer', 'projector', 'relay']) t.ok(services[name], name);
});

t.test('compose runs nothing that no service uses', async (t) => {
  const substream = ['api', 'indexer', 'projector', 'relay'];
  const used = new Set(substream.flatMap((name) => Object.keys(services[name]!.depends_on ?? {})));
  for (const name of Object.keys(services)) if (!substream.includes(name)) t.ok(used.has(name), `${name} is a dependency of a SubStream service`);
});

t.test('compose has no public default secret: an unset one stops `docker compose up`', async (t) => {
  const text = read('docker-compose.yml');
  for (const name of Object.keys(OPERATOR_SECRETS)) {
    t.notMatch(text, new RegExp(`\\$\\{${name}:?-`), `${name} has no default value`);
    const refused = Object.fromEntries(Object.entries(OPERATOR_SECRETS).filter(([key]) => key !== name));
    const everyValue = Object.values(services).flatMap((service) => Object.values(service.environment ?? {}));
    t.throws(() => everyValue.forEach((v) => interpolate(String(v), refused)), new RegExp(name), `${name} unset is refused`);
  }
});

t.test('DATA_DIR is a named volume in every SubStream service: recreating a container keeps its secrets', async (t) => {
  const raw = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { volumes?: string[] }>; volumes?: Record<string, unknown> };
  for (const name of ['api', 'indexer', 'projector', 'relay']) {
    const dataDir = services[name]!.environment!.DATA_DIR!;
    const mount = (raw.services[name]!.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === dataDir);
    t.ok(mount, `${name} mounts a volume at ${dataDir}`);
    t.ok(mount && raw.volumes && mount[0]! in raw.volumes, `${name}: ${mount?.[0]} is a named volume`);
  }
});

t.test('every depends_on names a service of the file', async (t) => {
  for (const [name, service] of Object.entries(services)) {
    for (const dependency of Object.keys(service.depends_on ?? {})) t.ok(services[dependency], `${name} → ${dependency}`);
  }
});

for (const [name, command] of [['api', 'serve'], ['indexer', 'index'], ['projector', 'project'], ['relay', 'relay']] as const) {
  t.test(`${name}: environment passes the config schema and points at the compose services`, async (t) => {
    const service = services[name]!;
    const environment = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    for (const key of Object.keys(environment)) t.ok(CONFIG_VARIABLES.includes(key), `${key} is a variable of platform/config.ts`);
    const config = loadConfig({ ...IMAGE_ENV, ...environment });
    t.ok(config.DATABASE_URL, 'DATABASE_URL is set: no embedded PostgreSQL in a container');
    for (const url of [config.DATABASE_URL, config.REDIS_URL, config.EVENTSTORE_URL]) {
      if (url) t.ok(services[new URL(url).hostname], `${url} reaches a compose service`);
    }
    t.ok(service.depends_on?.postgres, 'waits for postgres');
    t.equal(service.command?.[0], command);
    t.ok(commandTable.includes(command), `\`${command}\` is a CLI command`);
    t.ok(Number.parseInt(service.stop_grace_period ?? '10', 10) > 10, 'stop_grace_period leaves the 10 s graceful shutdown room');
    t.ok(service.build !== undefined, 'built from the Dockerfile');
  });
}

t.test('api: exports to the MinIO service, into the bucket minio-buckets creates, with its credentials', async (t) => {
  const api = services.api!;
  const config = loadConfig({ ...IMAGE_ENV, ...Object.fromEntries(Object.entries(api.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))])) });
  t.ok(config.EXPORT_S3_ENDPOINT && services[new URL(config.EXPORT_S3_ENDPOINT).hostname], `${config.EXPORT_S3_ENDPOINT} reaches a compose service`);
  t.match(services['minio-buckets']!.entrypoint?.join(' ') ?? '', new RegExp(`mc mb --ignore-existing local/${config.EXPORT_S3_BUCKET}`), 'the bucket is created');
  t.equal(config.EXPORT_S3_SECRET_ACCESS_KEY, OPERATOR_SECRETS.MINIO_ROOT_PASSWORD, 'the MinIO root password');
  t.same(api.depends_on?.['minio-buckets'], { condition: 'service_completed_successfully' }, 'serve starts once the bucket exists');
});

t.test('relay: publishes to the kafka service, which it waits for', async (t) => {
  const relay = services.relay!;
  const environment = Object.fromEntries(Object.entries(relay.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
  const config = loadConfig({ ...IMAGE_ENV, ...environment });
  t.ok(config.KAFKA_BROKERS?.length, 'KAFKA_BROKERS is set');
  for (const broker of config.KAFKA_BROKERS ?? []) t.ok(services[broker.split(':')[0]!], `${broker} reaches a compose service`);
  t.equal(config.KAFKA_BROKERS?.[0], `kafka:${/PLAINTEXT:\/\/:(\d+)/.exec(services.kafka!.environment!.KAFKA_LISTENERS!)?.[1]}`, 'the broker port is the kafka listener');
  t.ok(relay.depends_on?.kafka, 'waits for kafka');
  for (const other of ['api', 'indexer', 'projector']) t.notOk(services[other]!.environment?.KAFKA_BROKERS, `${other} does not get KAFKA_BROKERS`);
});

t.test('a shell override of a variable reaches the config', async (t) => {
  const env = Object.fromEntries(Object.entries(services.api!.environment!).map(([k, v]) => [k, interpolate(String(v), { ...OPERATOR_SECRETS, LOG_LEVEL: 'debug' })]));
  t.equal(loadConfig({ ...IMAGE_ENV, ...env }).LOG_LEVEL, 'debug');
});

/** Instructions of each stage: `{ stage, instruction, args }`, line continuations joined. */
function dockerfile() {
  const lines = read('Dockerfile').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: { name: string; from: string; steps: { op: string; args: string }[] }[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') {
      const [from, , name] = rest;
      stages.push({ name: name ?? String(stages.length), from: from!, steps: [] });
    } else stages.at(-1)?.steps.push({ op: op!.toUpperCase(), args });
  }
  const base = read('Dockerfile').match(/^ARG NODE_IMAGE=(\S+)/m)?.[1];
  return { stages, base };
}

t.test('Dockerfile: multi-stage on Node 24 slim or alpine', async (t) => {
  const { stages, base } = dockerfile();
  t.ok(stages.length >= 2, 'multi-stage');
  t.match(base, /^node:24-(slim|alpine)/);
  t.same(stages.map((s) => s.name), ['build', 'runtime']);
});

t.test('Dockerfile: the runtime stage installs production dependencies and runs as uid 1001', async (t) => {
  const runtime = dockerfile().stages.at(-1)!;
  const step = (op: string) => runtime.steps.filter((s) => s.op === op).map((s) => s.args);
  t.ok(step('RUN').some((a) => /npm ci\b.*--omit=dev/.test(a)), 'npm ci --omit=dev');
  t.ok(step('RUN').some((a) => /npm ci\b.*&& node \/tmp\/prune-production\.ts node_modules\b/.test(a)), 'pruned in the same RUN as npm ci: the deleted files reach no layer');
  t.ok(step('COPY').includes('--from=build /src/ops/prune-production.ts /tmp/'), 'the prune script comes from the build stage');
  t.ok(existsSync(resolve(root, 'ops/prune-production.ts')), 'ops/prune-production.ts exists');
  t.same(step('USER'), ['1001:1001']);
  t.same(step('EXPOSE'), ['3000']);
  t.same(step('ENTRYPOINT'), ['["node", "bin/substream.ts"]']);
  t.same(step('CMD'), ['["serve"]']);
  const [healthcheck] = step('HEALTHCHECK');
  t.match(healthcheck, /\/health/);
  t.notMatch(healthcheck, /curl|wget/, 'no curl in the image');
  t.ok(step('COPY').every((a) => a.includes('--from=build')), 'the runtime stage only takes files from the build stage');
});

t.test('Dockerfile: the build stage copies sources that exist and ships every runtime folder', async (t) => {
  const build = dockerfile().stages[0]!;
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const copy of build.steps.filter((s) => s.op === 'COPY')) {
    const sources = copy.args.split(/\s+/).slice(0, -1);
    for (const source of sources) {
      t.ok(existsSync(resolve(root, source)), `COPY ${source} exists`);
      t.notOk(ignored.includes(source), `${source} is not in .dockerignore`);
    }
  }
  const shipped = build.steps.find((s) => s.op === 'RUN' && s.args.includes('cp -r'))!.args;
  for (const folder of ['api', 'bin', 'commands', 'domain', 'eventstore', 'indexer', 'integration', 'migrations', 'platform', 'projections']) {
    t.match(shipped, new RegExp(`\\b${folder}\\b`), `${folder}/ is in the image`);
  }
  for (const secret of ['node_modules', '.git', '.substream', '.env']) t.ok(ignored.includes(secret), `.dockerignore leaves out ${secret}`);
});

t.test('the HEALTHCHECK one-liner exits 0 on a healthy /health and 1 otherwise', async (t) => {
  const script = JSON.parse(dockerfile().stages.at(-1)!.steps.find((s) => s.op === 'HEALTHCHECK')!.args.replace(/^.*CMD\s+/, '')) as string[];
  t.equal(script[0], 'node');
  let status = 200;
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/health' ? status : 404;
    response.end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.teardown(() => server.close());
  const port = String((server.address() as AddressInfo).port);
  const probe = () =>
    new Promise<number>((done) => execFile(process.execPath, script.slice(1), { env: { ...process.env, PORT: port } }, (error) => done(error ? Number(error.code ?? 1) : 0)));
  t.equal(await probe(), 0, 'healthy');
  status = 503;
  t.equal(await probe(), 1, 'unhealthy');
  server.close();
  t.equal(await probe(), 1, 'nothing listening');
});
