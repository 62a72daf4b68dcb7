// Optional record of scored traffic (raw fields + outcome), one JSON object per line, for drift monitoring against
// the training data. Writes go through a stream so scoring never waits for the disk. The file holds applicants'
// personal fields: it is readable by the API's user only (0600), also when it existed with a wider mode.
import fp from 'fastify-plugin';
import { chmodSync, createWriteStream, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApplicantInput } from '../scoring';
import type { Prediction } from '../schemas';

export interface TrafficLog {
  record(route: string, applicants: ApplicantInput[], predictions: Prediction[]): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    trafficLog: TrafficLog | null;
  }
}

export const trafficLogPlugin = fp(
  async (app: FastifyInstance, opts: { file?: string }) => {
    if (!opts.file) {
      app.decorate('trafficLog', null);
      return;
    }
    mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    const stream = createWriteStream(opts.file, { flags: 'a', mode: 0o600 });
    stream.once('open', () => {
      try {
        chmodSync(opts.file as string, 0o600);
      } catch (error) {
        app.log.warn({ err: error, file: opts.file }, 'traffic log: cannot restrict the file to mode 0600');
      }
    });
    stream.on('error', (error) => app.log.error({ err: error, file: opts.file }, 'traffic log write failed'));
    app.decorate('trafficLog', {
      record(route, applicants, predictions) {
        const time = new Date().toISOString();
        let lines = '';
        applicants.forEach((applicant, i) => {
          const { probability, decision, modelVersion } = predictions[i];
          lines += `${JSON.stringify({ time, route, modelVersion, probability, decision, ...applicant })}\n`;
        });
        stream.write(lines);
      },
    });
    app.addHook('onClose', (_app, done) => {
      stream.end(done);
    });
  },
  { name: 'traffic-log' },
);
