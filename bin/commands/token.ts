import { StrKey } from '@stellar/stellar-sdk';
import { loadConfig } from '../../platform/config.ts';
import { localSecret } from '../../platform/secrets.ts';
import { signToken } from '../../platform/tokens.ts';
import { parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

const DURATION = /^(\d+)([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

function parseTtl(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new UsageError(`--ttl must look like 30m, 1h or 7d (got ${text})`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

function address(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !StrKey.isValidEd25519PublicKey(value) && !StrKey.isValidContract(value)) {
    throw new UsageError(`${flag} must be a Stellar address (G… or C…), got ${value}`);
  }
  return value;
}

export const token: CliCommand = {
  usage: `substream token --sub G… [--tenant G…] [--ttl 1h]

  --sub     the principal's Stellar address (required)
  --tenant  the creator address the principal acts for
  --ttl     lifetime: 30m, 1h, 7d (default 1h)

Signs with JWT_SECRET, or the secret the embedded default keeps in DATA_DIR.`,
  async run(argv) {
    const { values } = parseCliArgs(argv, {
      sub: { type: 'string' },
      tenant: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
    });
    const sub = address('--sub', values.sub);
    if (!sub) throw new UsageError('--sub is required');
    const config = loadConfig();
    const secret = config.JWT_SECRET ?? (await localSecret(config.DATA_DIR, 'jwt-secret'));
    const jwt = await signToken(secret, { sub, tenant: address('--tenant', values.tenant) }, parseTtl(values.ttl ?? '1h'));
    process.stdout.write(`${jwt}\n`);
    return 0;
  },
};
