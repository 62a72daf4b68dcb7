// A stop without casualties. From SIGTERM the server goes on answering for a drain period (SHUTDOWN_DRAIN_MS) with
// every answer carrying `Connection: close` and /ready at 503, so a load balancer stops routing here and each
// keep-alive client, told on its next answer, reconnects elsewhere. Then new connections are refused, and after a
// settle (SETTLE_MS) for requests on connections accepted last, the idle ones are closed: closing at once reset
// those whose next request was already on the wire (the client cannot tell whether it was scored).
import { Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/**
 * After the drain, how long connections accepted in its last moments get for their first request (answered, with
 * `Connection: close`) before the idle ones are closed: closing them at once reset those whose request was on the
 * wire but not yet read (2 of 30,000 in the shutdown bench).
 */
export const SETTLE_MS = 250;

/**
 * Stops accepting connections and leaves the open ones be. http.Server#close would also close the idle ones at once,
 * among them any whose first request has arrived but is not yet read; the app's close() does that after the settle.
 */
export function stopAccepting(server: HttpServer): void {
  if (server.listening) NetServer.prototype.close.call(server);
}

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
