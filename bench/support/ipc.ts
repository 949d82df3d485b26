import type { ChildProcess } from 'node:child_process';

/**
 * The next IPC message of a child that has `key` (sending `request` first, if given); rejects if
 * the child exits first (or has already exited).
 *
 * @example const { port } = await reply<{ port: number }>(child, 'port');
 */
export function reply<T>(child: ChildProcess, key: string, request?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`child exited with ${child.exitCode ?? child.signalCode} before ${key}`));
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null || !(key in message)) return;
      child.off('message', onMessage).off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited with ${code} while waiting for ${key}`));
    child.on('message', onMessage).once('exit', onExit);
    if (request !== undefined) child.send(request as string);
  });
}
