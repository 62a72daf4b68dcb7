// Makes the ModelStore part of the app: loading starts when the app is ready (so /ready answers 503 until a model is
// in), polling stops when the app closes, and scoring routes get a `requireModel` guard.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModelStore } from '../model/model-store';
import { ServingModel } from '../model/serving-model';
import { errorBody } from './errors';

declare module 'fastify' {
  interface FastifyInstance {
    modelStore: ModelStore;
  }
  interface FastifyRequest {
    /** The model this request is scored with, fixed once by requireModel so a swap cannot change it mid-request. */
    model: ServingModel;
  }
}

/** preHandler for scoring routes: 503 until a model is loaded, otherwise pins request.model. */
export async function requireModel(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const model = this.modelStore.current;
  if (!model) {
    reply.header('retry-after', '5');
    return reply.code(503).send(errorBody(503, 'no model loaded yet; retry shortly (see GET /ready)'));
  }
  request.model = model;
}

export const modelPlugin = fp(
  async (app: FastifyInstance, opts: { store: ModelStore; autoStart?: boolean }) => {
    const store = opts.store;
    app.decorate('modelStore', store);
    app.decorateRequest('model', null as unknown as ServingModel);
    const onSwap = (model: ServingModel) => app.metrics.setModelVersion(model.version);
    store.on('swap', onSwap);
    if (store.current) onSwap(store.current);
    if (opts.autoStart !== false) app.addHook('onReady', async () => store.start());
    app.addHook('onClose', async () => {
      store.stop();
      store.off('swap', onSwap);
    });
  },
  { name: 'model', dependencies: ['metrics'] },
);
