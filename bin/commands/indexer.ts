import { pino } from 'pino';
import { loadConfig } from '../../platform/config.ts';
import { openRuntime } from '../../platform/runtime.ts';
import { gaps, listCheckpoints } from '../../indexer/checkpoints.ts';
import { parseCliArgs, UsageError, type CliCommand } from '../cli.ts';

export const indexer: CliCommand = {
  usage: `substream indexer gaps [--job J] [--json]

Lists the ledger ranges missing between the first and last ledger processed, by one job
(live, replay:<source>:<from>-<to>) or, without --job, by every job together.`,
  async run(argv) {
    const { values, positionals } = parseCliArgs(argv, { job: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals[0] !== 'gaps' || positionals.length > 1) throw new UsageError(`unknown indexer subcommand: ${positionals.join(' ') || '(none)'}`);
    const config = loadConfig();
    const runtime = await openRuntime(config, pino({ level: config.LOG_LEVEL, name: 'substream' }, pino.destination(2)));
    try {
      const holes = await gaps(runtime.db, values.job);
      const jobs = await listCheckpoints(runtime.db);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ job: values.job ?? null, gaps: holes, checkpoints: jobs })}\n`);
      } else {
        for (const j of jobs) {
          const outage = j.sourceFailingSince ? `; source failing since ${j.sourceFailingSince.toISOString()}: ${j.sourceError}` : '';
          process.stdout.write(`job ${j.job}: last ledger ${j.lastLedger}${outage}\n`);
        }
        if (holes.length === 0) process.stdout.write('no gaps\n');
        for (const g of holes) process.stdout.write(`gap ${g.from}-${g.to} (${g.to - g.from + 1} ledgers)\n`);
      }
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
