// PM2 process file: `pm2 start ops/ecosystem.config.cjs` (from the repository root, Node 24 on PATH).
// The API runs in cluster mode on every core; the indexer, the projector and the Kafka relay run
// exactly once each (a second relay would only take turns with the first under its lock).
// Every process stops gracefully within 10 s of SIGINT (platform/shutdown.ts), so PM2 waits 12 s
// before SIGKILL. Logs are plain files with a date on every line; rotate them with pm2-logrotate
// (settings in the README). Set DATABASE_URL (and the other variables of platform/config.ts) in
// the environment or in `env` below: without it every instance would start its own embedded
// PostgreSQL. substream-relay needs KAFKA_BROKERS: without it it exits 2 (bad configuration), which
// PM2 does not restart (stop_exit_codes).
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const logs = path.join(root, 'logs');

/** The settings every SubStream process shares. */
function app(name, args, overrides) {
  return {
    name,
    cwd: root,
    script: 'bin/substream.ts',
    args,
    interpreter: 'node',
    exec_mode: 'fork',
    instances: 1,
    autorestart: true,
    exp_backoff_restart_delay: 200,
    kill_timeout: 12_000,
    out_file: path.join(logs, `${name}.out.log`),
    error_file: path.join(logs, `${name}.err.log`),
    merge_logs: true,
    log_date_format: 'YYYY-MM-DD HH:mm:ss.SSS Z',
    env: { NODE_ENV: 'production' },
    ...overrides,
  };
}

module.exports = {
  apps: [
    app('substream-api', 'serve --no-projectors', {
      exec_mode: 'cluster',
      instances: 'max',
      max_memory_restart: '500M',
      listen_timeout: 10_000,
    }),
    app('substream-indexer', 'index --follow', { max_memory_restart: '300M' }),
    app('substream-projector', 'project', { max_memory_restart: '300M' }),
    app('substream-relay', 'relay', { max_memory_restart: '300M', stop_exit_codes: [2] }),
  ],
};
