// A stop without casualties. From SIGTERM the server goes on answering for a drain period (SHUTDOWN_DRAIN_MS) with
// every answer carrying `Connection: close` and /ready at 503, so a load balancer stops routing here and each
// keep-alive client, told on its next answer, reconnects elsewhere. Only then are the connections closed: closing at
// once reset those whose next request was already on the wire (the client cannot tell whether it was scored).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export interface Shutdown {
  /** True from the stop signal on. */
  readonly draining: boolean;
  /** Starts draining: answers close their connection, /ready says 503. */
  drain(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    shutdown: Shutdown;
  }
}

export const shutdownPlugin = fp(
  async (app: FastifyInstance) => {
    let draining = false;
    app.decorate('shutdown', {
      get draining() {
        return draining;
      },
      drain() {
        draining = true;
      },
    });
    app.addHook('onRequest', async (_request, reply) => {
      if (draining) reply.header('connection', 'close');
    });
  },
  { name: 'shutdown' },
);
