/**
 * Runs every projector to the end of the log and exits: the child process of the crash test.
 * Env: DATABASE_URL, BATCH_SIZE.
 */
import { createDb } from '../../platform/database.ts';
import './test-master-key.ts';
import { allProjectors } from '../../projections/registry.ts';
import { catchUp } from '../../projections/runner.ts';

const db = createDb({ url: process.env.DATABASE_URL!, max: 4 });
const batchSize = Number(process.env.BATCH_SIZE ?? 500);
await Promise.all(allProjectors.map((projector) => catchUp(db, projector, { batchSize })));
await db.destroy();
