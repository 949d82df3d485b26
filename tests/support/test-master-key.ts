import { installMasterKey } from '../../platform/personal-data/keyring.ts';
import { parseMasterKey } from '../../platform/personal-data/master-key.ts';

/**
 * The PII master key of every test process and of the processes tests start (they inherit the
 * environment): data one seals, another opens. Imported for its effect by tests/support/database.ts
 * and by every child script that reads or writes the log without `openRuntime` (which installs it).
 */
export const TEST_PII_MASTER_KEY = Buffer.alloc(32, 18).toString('base64');
process.env.PII_MASTER_KEY ??= TEST_PII_MASTER_KEY;
installMasterKey(parseMasterKey(process.env.PII_MASTER_KEY));
