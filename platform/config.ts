import { z } from 'zod';
import { Networks, StrKey } from '@stellar/stellar-sdk';

const NETWORKS: Record<string, string> = {
  mainnet: Networks.PUBLIC,
  pubnet: Networks.PUBLIC,
  public: Networks.PUBLIC,
  testnet: Networks.TESTNET,
  futurenet: Networks.FUTURENET,
};

/** Turns `mainnet`, `testnet`, `futurenet` or a full passphrase into the network passphrase. */
export function networkPassphrase(network: string): string {
  return NETWORKS[network.toLowerCase()] ?? network;
}

const optionalUrl = z.url().optional();
const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const schema = z.object({
  /**
   * `production` (the Docker image's default) refuses to start without PRODUCTION_SECRETS: in
   * production no secret may be generated in DATA_DIR, where other instances cannot share it.
   */
  NODE_ENV: z.string().min(1).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
    .optional(),
  /**
   * The owner role's connection string, for migrations only (`substream migrate`, MIGRATE_ON_START):
   * DATABASE_URL then logs in as a role that owns nothing (README, "Database roles"). Unset: DATABASE_URL.
   */
  DATABASE_MIGRATION_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
    .optional(),
  /** Apply pending migrations when a process starts; unset: only with the embedded PostgreSQL (no DATABASE_URL). */
  MIGRATE_ON_START: bool.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  /** Longest wait for a pooled connection (a free slot, then the connect): past it the request is 503. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(5_000),
  /** PostgreSQL `statement_timeout` of the API's statements (the client gives up 1 s later on a silent network). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  /** `statement_timeout` of the projectors', expiry sweeper's and indexer's statements (batches are larger). */
  PROJECTION_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** A request not answered within this is answered 503 DEPENDENCY.UNAVAILABLE (its keyed claim is held twice this long). */
  REQUEST_DEADLINE_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** The Retry-After (seconds) of a 503 DEPENDENCY.UNAVAILABLE. */
  DEPENDENCY_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(3_600).default(1),
  DATA_DIR: z.string().min(1).default('./.substream'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  REDIS_URL: optionalUrl,
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * 32 bytes in base64 (`openssl rand -base64 32`): wraps every data subject's key (README,
   * "Personal data and erasure"). Unset outside production: generated in DATA_DIR.
   */
  PII_MASTER_KEY: z.string().refine((v) => Buffer.from(v.trim(), 'base64').length === 32, 'must be 32 bytes in base64 (openssl rand -base64 32)').optional(),
  /** Comma-separated master keys replaced by a rotation, kept to unwrap the data keys they wrapped. */
  PII_PREVIOUS_MASTER_KEYS: z
    .string()
    .refine((v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32), 'must be comma-separated 32-byte base64 keys')
    .optional(),
  STELLAR_NETWORK: z.string().min(1).default('testnet').transform(networkPassphrase),
  SUBSTREAM_CONTRACT_ID: z
    .string()
    .regex(/^C[A-Z2-7]{55}$/, 'must be a Stellar contract address (C…)')
    .optional(),
  /** The StellarStream payment-stream contract (C…) that `POST /v1/streams` builds calls for. */
  STELLARSTREAM_CONTRACT_ID: z
    .string()
    .regex(/^C[A-Z2-7]{55}$/, 'must be a Stellar contract address (C…)')
    .optional(),
  STELLAR_RPC_URL: optionalUrl,
  INDEXER_CONTRACTS: z.string().min(1).default('*'),
  /** SEP-54 data lake (`s3://bucket/prefix` or a directory) `index` catches up from when RPC is past retention. */
  INDEXER_DATALAKE: z.string().min(1).optional(),
  PROJECTORS: bool.default(true),
  /** Start-up rebuilds stale projections (code version ≠ stored version) aside and swaps them in. */
  PROJECTIONS_AUTO_REBUILD: bool.default(false),
  /** A query sent `Substream-Min-Position` waits at most this long for its read models to pass it (then 503 READ_MODEL.BEHIND). */
  READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** How often waiting queries re-read the checkpoints when no announcement came (PgBouncer in transaction mode, a lost LISTEN connection). */
  READ_YOUR_WRITES_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  READY_MAX_LAG_EVENTS: z.coerce.number().int().min(0).default(10_000),
  /** How often the readiness monitor checks the database and projector lag (`/ready` answers from its last check). */
  READY_REFRESH_MS: z.coerce.number().int().min(10).max(300_000).default(5_000),
  /** `/metrics` on this port (same HOST) instead of the API's; unset = on the API port. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** When set, `/metrics` requires `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  PROJECTION_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(2_000),
  SUBSCRIPTION_PENDING_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  /** How often the expiry sweeper looks for pending intents past their expiry. */
  SUBSCRIPTION_EXPIRY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Idempotency-Key records are answered, then deleted, this many hours after their first request. */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24),
  /** How often `serve` deletes Idempotency-Key records past IDEMPOTENCY_RETENTION_HOURS. */
  IDEMPOTENCY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  EVENTSTORE_URL: z.string().regex(/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//).optional(),
  /** Kafka bootstrap brokers (`host:port,host:port`) of `substream relay`; unset = no relay. */
  KAFKA_BROKERS: z
    .string()
    .transform((text, ctx) => {
      const brokers = text.split(',').map((broker) => broker.trim()).filter(Boolean);
      if (brokers.length > 0 && brokers.every((broker) => /^[^\s:/]+:\d{1,5}$/.test(broker))) return brokers;
      ctx.addIssue({ code: 'custom', message: 'must be a comma list of host:port' });
      return z.NEVER;
    })
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('substream'),
  /** Topic = prefix + aggregate kind (`substream.subscription`); Kafka topic names allow [a-zA-Z0-9._-]. */
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]{1,200}$/, 'may only hold letters, digits, ".", "_" and "-"').default('substream.'),
  HOME_DOMAIN: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name, optionally with :port').optional(),
  WEB_AUTH_ENDPOINT: z.url().optional(),
  SEP10_SIGNING_SECRET: z
    .string()
    .refine((v) => StrKey.isValidEd25519SecretSeed(v), 'must be a Stellar secret seed (S…)')
    .optional(),
  /** SEP-1 [DOCUMENTATION] of /.well-known/stellar.toml (SDF's wallet SDK requires the table). */
  ORG_NAME: z.string().min(1).max(200).default('SubStream'),
  /** Defaults to https://<HOME_DOMAIN>; SEP-1 wants https and the stellar.toml's own domain. */
  ORG_URL: z.url({ protocol: /^https$/ }).optional(),
  ORG_DESCRIPTION: z.string().min(1).max(1000).default('Paid subscriptions and payment streams on Stellar'),
  ORG_OFFICIAL_EMAIL: z.email().optional(),
  ORG_SUPPORT_EMAIL: z.email().optional(),
  SEP10_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
  HORIZON_URL: optionalUrl,
  /**
   * Development only: requests to user-supplied addresses (SEP-10 client_domain) may reach
   * loopback and private addresses, over plain http for a local host. Never in production.
   */
  OUTBOUND_ALLOW_PRIVATE: bool.default(false),
  /** Deadline of one request to a user-supplied address (DNS, connect, answer). */
  OUTBOUND_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_000),
  /** `serve` runs the webhook dispatcher and delivery workers (integration/webhooks/). */
  WEBHOOKS: bool.default(true),
  /** Deadline of one webhook delivery attempt (DNS, connect, answer). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Delay before a failed delivery's second attempt; it doubles (with jitter) up to 1 h, for 3 days. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  /** Consecutive failed attempts that disable an endpoint (it is marked failing after 5). */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Deliveries sent at once. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Deliveries of one tenant in one batch of WEBHOOK_CONCURRENCY: the batch is shared round-robin between tenants, this caps one tenant's part. */
  WEBHOOK_PER_TENANT_PER_BATCH: z.coerce.number().int().min(1).max(256).default(4),
  /** Webhook endpoints one tenant may hold: each multiplies every event into a delivery. */
  WEBHOOK_MAX_ENDPOINTS_PER_TENANT: z.coerce.number().int().min(1).max(1_000).default(20),
  /** SMTP server for email notifications (smtp://user:pass@host:587, smtps://…); unset: email is off (said at start). */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** The From of every email. */
  EMAIL_FROM: z.string().min(3).default('SubStream <no-reply@substream.local>'),
  /** Base of the verification and unsubscribe links in emails (this API as the public reaches it). */
  EMAIL_LINK_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  /** How long an email verification link is valid. */
  EMAIL_VERIFY_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
  API_KEY_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
  REDIS_KEY_PREFIX: z.string().min(1).default('substream:'),
  /** The live feed reads the log on every commit announcement, and at least this often if one is lost. */
  LIVE_FALLBACK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** The live feed rechecks its API keys' revocation at least this often (a revocation on this instance, or through Redis, closes at once). */
  LIVE_AUTH_RECHECK_MS: z.coerce.number().int().min(100).max(300_000).default(5_000),
  /** Live feed connections one tenant may hold on one instance; past it a connection closes with 4409. */
  LIVE_MAX_CONNECTIONS_PER_TENANT: z.coerce.number().int().min(1).max(10_000).default(20),
  /** The deepest `?since=` replay, in events of the global log after the cursor; deeper closes with 4410. */
  LIVE_MAX_REPLAY: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  /** Stripe secret key (sk_test_… / sk_live_… / rk_…); unset = card payments off (503 PAYMENTS.CARD_DISABLED). */
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_…)').optional(),
  /** The webhook endpoint's signing secret (whsec_…); unset = the webhook answers 503 PAYMENTS.CARD_DISABLED. */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9]+$/, 'must be a Stripe webhook signing secret (whsec_…)').optional(),
  /** Where the Stripe SDK sends requests (default https://api.stripe.com); a local stand-in in tests. */
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  /** Oldest Stripe-Signature timestamp accepted, in seconds (Stripe's own default is 300). */
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Where Checkout sends the subscriber after paying; Stripe replaces {CHECKOUT_SESSION_ID}. */
  STRIPE_SUCCESS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Where Checkout sends the subscriber who gives up. */
  STRIPE_CANCEL_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The bucket data exports are uploaded to; unset: exports are off (503 EXPORTS.DISABLED). */
  EXPORT_S3_BUCKET: z.string().min(3).max(63).optional(),
  /** An S3-compatible endpoint (MinIO, s3rver), addressed path-style; unset: AWS S3. */
  EXPORT_S3_ENDPOINT: optionalUrl,
  EXPORT_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Explicit keys for the export bucket (both or neither); unset: the AWS default credential chain. */
  EXPORT_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  EXPORT_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Server-side encryption of export objects; `none` for a server without it (MinIO without KMS). */
  EXPORT_S3_SSE: z.enum(['AES256', 'aws:kms', 'none']).default('AES256'),
  /** A claimed export job's lease: renewed as rows stream; past it another worker restarts the job. */
  EXPORT_LEASE_SECONDS: z.coerce.number().int().min(5).max(3_600).default(60),
  /** How often an idle export worker looks for queued jobs. */
  EXPORT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** How long after it is ready an export's object is kept (and its link valid): then the sweeper deletes it and marks it expired. */
  EXPORT_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24),
  /** How often `serve` and `worker` look for exports past EXPORT_TTL_HOURS. */
  EXPORT_EXPIRY_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** The subscription contract's read-only getter `fn(subscriber, merchant) -> i128` reconciliation simulates (with STELLAR_RPC_URL); unset: the contract is not compared. */
  RECONCILIATION_CONTRACT_GETTER: z.string().regex(/^[a-z_][a-z0-9_]{0,31}$/, 'must be a contract function name').optional(),
  /** `serve` reconciles every tenant's books this often (first after one period; at most 24 days, a timer's limit); 0: never. */
  RECONCILIATION_EVERY_HOURS: z.coerce.number().min(0).max(24 * 24).default(24),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Every request of one client IP a minute, whoever it authenticates as: free SEP-10 logins cannot multiply the per-principal limit. */
  RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  /**
   * Fastify `trustProxy`: `false` (the socket's address is the client), `true` (trust every
   * X-Forwarded-For hop), a hop count, or a comma list of proxy addresses / CIDR ranges.
   */
  TRUST_PROXY: z
    .string()
    .transform((text, ctx): boolean | number | string[] => {
      if (text === 'true' || text === 'false') return text === 'true';
      if (/^\d{1,2}$/.test(text)) return Number(text);
      const ranges = text.split(',').map((range) => range.trim()).filter(Boolean);
      if (ranges.length > 0 && ranges.every((range) => /^[0-9a-f.:]+(\/\d{1,3})?$/i.test(range))) return ranges;
      ctx.addIssue({ code: 'custom', message: 'must be true, false, a hop count or a comma list of addresses/CIDR ranges' });
      return z.NEVER;
    })
    .default(false),
  /** SEP-10 challenges (`GET /v1/auth`) a client IP may ask for a minute, apart from RATE_LIMIT_PER_MINUTE. */
  SEP10_CHALLENGES_PER_MINUTE_IP: z.coerce.number().int().min(1).default(30),
  /** SEP-10 challenges one account may be asked for a minute, whatever the IP. */
  SEP10_CHALLENGES_PER_MINUTE_ACCOUNT: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_TENANT_OVERRIDES: z
    .string()
    .transform((text, ctx) => {
      try {
        return z.record(z.string(), z.number().int().min(1)).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of tenant address → requests per minute' });
        return z.NEVER;
      }
    })
    .default({}),
});

export type Config = z.infer<typeof schema>;

/** The secrets every instance must share, hence required in production (never generated there). */
export const PRODUCTION_SECRETS = ['JWT_SECRET', 'API_KEY_PEPPER', 'SEP10_SIGNING_SECRET', 'PII_MASTER_KEY'] as const;

/** Every environment variable the service reads (the README's configuration table lists them all). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the configuration from environment variables.
 * Throws a `ConfigError` naming every bad variable and what is wrong with it.
 *
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  const missing = present.NODE_ENV === 'production' ? PRODUCTION_SECRETS.filter((name) => present[name] === undefined) : [];
  if (result.success && missing.length === 0) return result.data;
  const lines = (result.success ? [] : result.error.issues).map((issue) => {
    const name = issue.path.join('.');
    return `  ${name}: ${issue.message} (got ${JSON.stringify(present[name] ?? null)})`;
  });
  for (const name of missing) lines.push(`  ${name}: required when NODE_ENV=production (a generated one would differ per instance and container)`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}
