/**
 * A bench that dies without stopping its server (tests/bench/server-process.test.ts): starts the
 * hello-world child, prints its pid, and exits at once.
 */
import { startServer } from '../../bench/support/server-process.ts';

const hello = await startServer(new URL('../../bench/support/hello-server.ts', import.meta.url));
console.log(hello.pid);
process.exit(1);
