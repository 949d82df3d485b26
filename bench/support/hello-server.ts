/**
 * The hello-world ceiling of the HTTP benches, in a child process of its own (server-process.ts):
 * plain Fastify answering `GET /bench/hello` with `{ hello: 'world' }`.
 */
import Fastify from 'fastify';
import { serveParent } from './serve-parent.ts';

const hello = Fastify({ logger: false });
hello.get('/bench/hello', async () => ({ hello: 'world' }));
await serveParent(hello);
