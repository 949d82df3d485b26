import type { MasterKey } from './master-key.ts';

const held = new Map<string, MasterKey>();
let current: MasterKey | undefined;

/**
 * Makes `master` the key this process wraps new data keys with, keeping the ones installed before
 * for unwrapping (a rotation installs the previous keys, then the new one). Installed once at
 * start-up (platform/runtime.ts) like the logger's configuration: every event-store read and
 * append of the process goes through it, whatever connection it uses.
 *
 * @example installMasterKey(parseMasterKey(config.PII_MASTER_KEY));
 */
export function installMasterKey(master: MasterKey): void {
  held.set(master.id, master);
  current = master;
}

/** The installed master keys; throws when none is: personal data is never written or read without one. */
export function masterKeys(): { current: MasterKey; all: ReadonlyMap<string, MasterKey> } {
  if (!current) throw new Error('no PII master key is installed in this process: personal data can be neither sealed nor opened');
  return { current, all: held };
}
