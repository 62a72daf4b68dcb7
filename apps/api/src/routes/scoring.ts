// Scoring routes: predict and explain for applications sent in the body, and the same for known clients by id.
// Registered as one encapsulated scope so the optional API key and rate limit apply to these routes only.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { ClientsDataset } from '../clients';
import { requireModel } from '../plugins/model';
import { RequestFieldsError } from '../plugins/validation';
import { errorResponses, UNKNOWN_FIELDS_RULE, type ApplicationBody, type SharedSchemas } from '../schemas';
import { ServingModel } from '../model/serving-model';
import { ApplicantInput, explainAll, InvalidApplicantError, missingRequired, predict } from '../scoring';

export interface ScoringRoutesOptions {
  maxBatch: number;
  clients?: ClientsDataset;
  /** Whether an API key protects these routes (documented in the OpenAPI operation). */
  secured: boolean;
}

/** Default and largest number of SHAP contributions returned per applicant. */
const DEFAULT_TOP = 10;
export const MAX_TOP = 100;
/**
 * Largest /explain batch. An explanation carries up to MAX_TOP contributions (~300 bytes each since they carry
 * their raw inputs and a sentence), so one request is answered with at most 40 × 100 × 300 B ≈ 1.2 MB, below the
 * request body limit: a small request cannot make the server build a response hundreds of times its size
 * (1,000 applicants × top 1,000 made 62.5 MB).
 */
export const MAX_EXPLAIN_BATCH = 40;

function applicantsBody(maxBatch: number) {
  return {
    description:
      `One applicant, or an array of 1..${maxBatch} applicants. Each applicant is { application, history? }. ` +
      UNKNOWN_FIELDS_RULE,
    oneOf: [{ $ref: 'Applicant#' }, { type: 'array', minItems: 1, maxItems: maxBatch, items: { $ref: 'Applicant#' } }],
  } as const;
}

const topQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    top: { type: 'integer', minimum: 1, maximum: MAX_TOP, default: DEFAULT_TOP, description: 'How many contributions' },
  },
} as const;

const clientParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'SK_ID_CURR' } },
} as const;

/** Route types come from the route schemas (and the shared ones their `$ref`s name): no second copy to keep in step. */
type SchemaTyped = { references: SharedSchemas };

/** `body` for a single applicant, `body[3]` for the fourth of a batch. */
function applicantPath(batch: boolean, index: number): string {
  return batch ? `body[${index}]` : 'body';
}

/**
 * Checks what the schema cannot (fields the served model requires), then scores. A value the feature pipeline
 * refuses (e.g. history rows that belong to another client) is the caller's mistake, so it becomes a 400 too.
 */
async function scoreOrReject<T>(
  model: ServingModel,
  applicants: ApplicantInput[],
  batch: boolean,
  run: () => Promise<T>,
): Promise<T> {
  const missing = missingRequired(model, applicants);
  if (missing.length) {
    const fields = missing.map(([i, name]) => `${applicantPath(batch, i)}.application.${name}`);
    throw new RequestFieldsError(
      `invalid request: ${fields
        .slice(0, 20)
        .map((f) => `${f} is required by the model`)
        .join('; ')}`,
      fields.slice(0, 20),
    );
  }
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidApplicantError) {
      const at = applicantPath(batch, error.index);
      throw new RequestFieldsError(`invalid request: ${at}: ${error.message}`, [at]);
    }
    throw error;
  }
}

export const scoringRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: ScoringRoutesOptions;
  ValidatorSchemaOptions: SchemaTyped;
  SerializerSchemaOptions: SchemaTyped;
}> = async (app, opts) => {
  const security = opts.secured ? [{ apiKey: [] }] : undefined;
  const withCommon = { preHandler: requireModel };

  app.post(
    '/predict',
    {
      ...withCommon,
      schema: {
        tags: ['scoring'],
        summary: 'Probability of default and decision for one applicant or a batch',
        security,
        body: applicantsBody(opts.maxBatch),
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['predictions'],
            properties: { predictions: { type: 'array', items: { $ref: 'Prediction#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const batch = Array.isArray(request.body);
      const applicants = Array.isArray(request.body) ? request.body : [request.body];
      const predictions = await scoreOrReject(request.model, applicants, batch, () =>
        predict(request.model, applicants),
      );
      app.metrics.countDecisions(predictions.map((p) => p.decision));
      await app.predictionLog?.record(reply, applicants, predictions);
      return { predictions };
    },
  );

  app.post(
    '/explain',
    {
      ...withCommon,
      schema: {
        tags: ['scoring'],
        summary: 'Prediction plus the top SHAP contributions (named features, their values) and the base value',
        description:
          `At most ${MAX_EXPLAIN_BATCH} applicants per request and ${MAX_TOP} contributions each (\`top\`), so ` +
          'the response stays around a megabyte at most; use /predict for larger batches.',
        security,
        querystring: topQuery,
        body: applicantsBody(Math.min(opts.maxBatch, MAX_EXPLAIN_BATCH)),
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['explanations'],
            properties: { explanations: { type: 'array', items: { $ref: 'Explanation#' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const batch = Array.isArray(request.body);
      const applicants = Array.isArray(request.body) ? request.body : [request.body];
      const explanations = await scoreOrReject(request.model, applicants, batch, () =>
        explainAll(request.model, applicants, request.query.top),
      );
      app.metrics.countDecisions(explanations.map((e) => e.decision));
      await app.predictionLog?.record(reply, applicants, explanations);
      return { explanations };
    },
  );

  const clients = opts.clients;
  const findClient = (id: number): ApplicationBody => {
    if (!clients) {
      throw Object.assign(new Error('no clients dataset loaded; start the API with CLIENTS_CSV=<application csv>'), {
        statusCode: 404,
      });
    }
    const client = clients.get(id);
    // The message names the id only: the dataset's file path is the server's business.
    if (!client) {
      throw Object.assign(new Error(`no client with SK_ID_CURR ${id} in the clients dataset`), { statusCode: 404 });
    }
    return client;
  };

  app.get(
    '/clients/:id',
    {
      schema: {
        tags: ['clients'],
        summary: 'The application fields of a known client (CLIENTS_CSV)',
        security,
        params: clientParams,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['application'],
            properties: { application: { $ref: 'Application#' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => ({ application: findClient(request.params.id) }),
  );

  app.get(
    '/clients/:id/prediction',
    {
      ...withCommon,
      schema: {
        tags: ['clients'],
        summary: 'Score a known client (its application fields; no side-table history)',
        security,
        params: clientParams,
        response: { 200: { $ref: 'Prediction#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const application = findClient(request.params.id);
      const [prediction] = await scoreOrReject(request.model, [{ application }], false, () =>
        predict(request.model, [{ application }]),
      );
      app.metrics.countDecisions([prediction.decision]);
      await app.predictionLog?.record(reply, [{ application }], [prediction]);
      return prediction;
    },
  );

  app.get(
    '/clients/:id/explanation',
    {
      ...withCommon,
      schema: {
        tags: ['clients'],
        summary: "Explain a known client's score: top SHAP contributions and base value",
        security,
        params: clientParams,
        querystring: topQuery,
        response: { 200: { $ref: 'Explanation#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const application = findClient(request.params.id);
      const [explanation] = await scoreOrReject(request.model, [{ application }], false, () =>
        explainAll(request.model, [{ application }], request.query.top),
      );
      app.metrics.countDecisions([explanation.decision]);
      await app.predictionLog?.record(reply, [{ application }], [explanation]);
      return explanation;
    },
  );
};
