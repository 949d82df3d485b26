import { fork } from 'node:child_process';
import { reply } from './ipc.ts';

/** A server under test running in a child process (see serve-parent.ts), as its parent sees it. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** The child's CPU seconds (user + system) since it started, from its own `process.cpuUsage()`. */
  cpuSeconds(): Promise<number>;
  /** The child's RSS and heap bytes and whatever its entry adds (the API's pool counts). */
  stats(): Promise<Record<string, number>>;
  /** Asks the child to close and exit; kills it if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/**
 * Forks a bench server entry (bench/support/*-server.ts) with `env` added to this process's
 * environment and resolves once it listens. The child exits by itself if this process dies (its
 * IPC channel closes); a child that fails to start is killed and the promise rejects.
 *
 * @example const hello = await startServer(new URL('./hello-server.ts', import.meta.url)); … await hello.stop();
 */
export async function startServer(entry: URL, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = fork(entry, { env: { ...process.env, ...env } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const { port } = await reply<{ port: number }>(child, 'port');
    return {
      url: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      cpuSeconds: async () => (await reply<{ cpuMicros: number }>(child, 'cpuMicros', 'cpu')).cpuMicros / 1e6,
      stats: async () => (await reply<{ stats: Record<string, number> }>(child, 'stats', 'stats')).stats,
      stop: async () => {
        if (child.connected) child.send('stop');
        const timer = setTimeout(kill, STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      },
    };
  } catch (error) {
    kill();
    await exited;
    throw error;
  }
}
