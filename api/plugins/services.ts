import fp from 'fastify-plugin';
import type { EventStore } from '../../eventstore/types.ts';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/database.ts';

export interface Services {
  config: Config;
  db: Db;
  eventStore: EventStore;
  jwtSecret: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Shared infrastructure, owned by the caller (the CLI or a test) and closed by it. */
export default fp<{ services: Services }>(
  async (app, { services }) => {
    app.decorate('services', services);
  },
  { name: 'services' },
);
