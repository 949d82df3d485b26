import { loadConfig } from '../../platform/config.ts';
import { createDb } from '../../platform/database.ts';
import { createLogger } from '../../platform/logger.ts';
import { ensureLoginRole, GROUP_ROLES, LoginRoleRefused, type GroupRole } from '../../platform/login-roles.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

export const loginRole: CliCommand = {
  usage: `substream login-role <group> <name>

Creates (or updates) the login role <name> whose only membership is <group> (${GROUP_ROLES.join(', ')}):
no superuser, BYPASSRLS or REPLICATION, owning nothing, in no other role (an existing role that is
any of these is refused, exit 2). Its password is read from LOGIN_ROLE_PASSWORD (16-256 printable
ASCII characters; never an argument: the process list shows arguments) and sent as a SCRAM-SHA-256
verifier, never in clear; unset: left as is. Runs as the owner, on
DATABASE_MIGRATION_URL when set, else DATABASE_URL. Run it after \`substream migrate\`, which creates
the groups (README, "Database roles").`,
  async run(argv) {
    const { positionals } = parseCliArgs(argv, {});
    const [group, name] = positionals;
    if (positionals.length !== 2 || !(GROUP_ROLES as readonly string[]).includes(group!)) {
      throw new UsageError(`expected <group> <name>, group one of ${GROUP_ROLES.join(', ')}`);
    }
    const password = process.env.LOGIN_ROLE_PASSWORD;
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL);
    const runtime = await openRuntime(config, logger, { migrate: false });
    const owner = config.DATABASE_MIGRATION_URL ? createDb({ url: config.DATABASE_MIGRATION_URL, max: 1, applicationName: 'substream-login-role' }) : runtime.db;
    try {
      await ensureLoginRole(owner, group as GroupRole, name!, password ?? null);
      logger.info({ role: name, group }, 'login role ready');
      return 0;
    } catch (error) {
      if (error instanceof LoginRoleRefused) throw new UsageError(error.message);
      throw error;
    } finally {
      if (owner !== runtime.db) await owner.destroy();
      await runtime.close();
    }
  },
};
