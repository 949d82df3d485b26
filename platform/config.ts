import { z } from 'zod';
import { Networks } from '@stellar/stellar-sdk';

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
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  DATA_DIR: z.string().min(1).default('./.substream'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  REDIS_URL: optionalUrl,
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  STELLAR_NETWORK: z.string().min(1).default('testnet').transform(networkPassphrase),
  SUBSTREAM_CONTRACT_ID: z
    .string()
    .regex(/^C[A-Z2-7]{55}$/, 'must be a Stellar contract address (C…)')
    .optional(),
  PROJECTORS: bool.default(true),
  READY_MAX_LAG_EVENTS: z.coerce.number().int().min(0).default(10_000),
  PROJECTION_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(2_000),
  SUBSCRIPTION_PENDING_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  EVENTSTORE_URL: z.string().regex(/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//).optional(),
});

export type Config = z.infer<typeof schema>;

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
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return `  ${name}: ${issue.message} (got ${JSON.stringify(present[name] ?? null)})`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}
