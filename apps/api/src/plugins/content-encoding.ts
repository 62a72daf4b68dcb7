// Compressed request bodies (Content-Encoding: gzip, deflate or br), decoded before the JSON parser: a batch of 1,000
// applications is ~3.4 MB of JSON and ~10 times less gzipped. Any other coding is refused with 415 (RFC 9110
// §15.5.16) instead of being parsed as if it were JSON. The body limit applies to the decoded bytes (Fastify counts
// what this stream yields), and decoding stops there, so a small "zip bomb" costs no more than a plain large body.
import fp from 'fastify-plugin';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { pipeline, Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

const SUPPORTED = 'identity, gzip, deflate or br';

const clientError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

/** The codings of a Content-Encoding header, in the order they were applied, "identity" left out. */
function codings(header: string): string[] {
  return header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

export const contentEncodingPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preParsing', async (request, _reply, payload) => {
      const header = request.headers['content-encoding'];
      if (header === undefined) return payload;
      const applied = codings(header);
      if (applied.length === 0) return payload;
      const decoder = applied.length === 1 ? DECODERS[applied[0]] : undefined;
      if (!decoder) throw clientError(415, `Content-Encoding "${header}" is not supported; send ${SUPPORTED}`);
      const limit = request.routeOptions.bodyLimit ?? Infinity;
      // The decoded bytes, counted on their way to the parser: past the limit the pipeline stops with 413, so the
      // rest is never inflated.
      let decoded = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          decoded += chunk.length;
          if (decoded > limit) callback(clientError(413, `the decoded request body is larger than ${limit} bytes`));
          else callback(null, chunk);
        },
      }) as Transform & { receivedEncodedLength: number };
      // Fastify checks Content-Length against the bytes received, not the decoded ones.
      counted.receivedEncodedLength = 0;
      payload.on('data', (chunk: Buffer) => (counted.receivedEncodedLength += chunk.length));
      const inflate = decoder();
      // Reworded where zlib raises it, before the pipeline hands the same error to the parser's stream.
      inflate.once('error', (error) => {
        Object.assign(error, {
          statusCode: 400,
          message: `the request body is not valid ${applied[0]} data (${error.message})`,
        });
      });
      pipeline(payload, inflate, counted, () => undefined);
      return counted;
    });
  },
  { name: 'content-encoding' },
);
