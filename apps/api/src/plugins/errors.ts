// One error shape for every failure ({ statusCode, error, message, fields? }). Client mistakes keep their 4xx status
// and a message that says what to fix; a 503 (a dependency such as the log's database is down) keeps its message,
// which names no internals; anything else is logged with the request id and answered with a bare 500, so internals
// never leak and the process never crashes on a bad request.
import fp from 'fastify-plugin';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { RequestFieldsError } from './validation';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  fields?: string[];
}

export function errorBody(statusCode: number, message: string, fields?: string[]): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(fields ? { fields } : {}) };
}

/** Fastify's own codes for body problems, rewritten in the API's words. */
const CLIENT_ERROR_MESSAGES: Record<string, (error: FastifyError) => string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'request body is empty; send a JSON applicant object or an array of them',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (e) => `${e.message}; send Content-Type: application/json`,
  FST_ERR_CTP_BODY_TOO_LARGE: (e) =>
    `request body is larger than the limit (${e.message}); send fewer applicants per request`,
  FST_ERR_CTP_INVALID_JSON_BODY: (e) =>
    `request body is not valid JSON (${e.message}); note NaN and Infinity are not JSON`,
};

function clientMessage(error: FastifyError): string {
  const custom = error.code ? CLIENT_ERROR_MESSAGES[error.code] : undefined;
  if (custom) return custom(error);
  // JSON.parse failures reach here as SyntaxError with a 400 status.
  if (error instanceof SyntaxError)
    return `request body is not valid JSON (${error.message}); note NaN and Infinity are not JSON`;
  return error.message;
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof RequestFieldsError) {
        request.log.info({ fields: error.fields }, error.message);
        return reply.code(error.statusCode).send(errorBody(error.statusCode, error.message, error.fields));
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        request.log.info({ code: error.code }, error.message);
        return reply.code(status).send(errorBody(status, clientMessage(error)));
      }
      if (status === 503) {
        request.log.warn({ err: error.cause ?? error }, error.message);
        return reply.code(503).send(errorBody(503, error.message));
      }
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send(errorBody(500, 'internal error; the request id is in the server log'));
    });

    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send(errorBody(404, `no route ${request.method} ${request.url}; see GET / for the endpoints`));
    });
  },
  { name: 'errors' },
);
