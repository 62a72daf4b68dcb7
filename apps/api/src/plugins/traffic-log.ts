// Optional record of scored traffic (raw fields + outcome), one JSON object per line, for drift monitoring against
// the training data. Writes go through a stream so scoring never waits for the disk.
import fp from 'fastify-plugin';
import { createWriteStream, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ApplicantInput, Prediction } from '../scoring';

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
    const stream = createWriteStream(opts.file, { flags: 'a' });
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
