// What is being served: the model's identity and quality, and the raw fields it reads.
import type { FastifyInstance } from 'fastify';
import { requireModel } from '../plugins/model';
import { plainName } from '../reasons';
import { errorResponses } from '../schemas';

export async function modelInfoRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/model',
    {
      preHandler: requireModel,
      schema: {
        tags: ['model'],
        summary: 'The served model: name, version, alias, training date, metrics, threshold, cost settings',
        response: {
          200: {
            type: 'object',
            required: [
              'name',
              'version',
              'source',
              'sourceKind',
              'fallback',
              'loadedAt',
              'threshold',
              'cost',
              'metrics',
              'featureCount',
            ],
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              alias: { type: 'string' },
              source: { type: 'string', description: 'What serves: models:/<name>@<alias> (the registry) or bundle.' },
              sourceKind: { type: 'string', enum: ['registry', 'bundle'] },
              fallback: {
                type: 'boolean',
                description: 'true while the fallback bundle serves because the registry failed.',
              },
              runId: { type: 'string' },
              trainedAt: {
                type: 'string',
                description: 'When the trainer wrote the model (MLmodel utc_time_created).',
              },
              loadedAt: { type: 'string', format: 'date-time' },
              threshold: { type: 'number', description: 'Refuse when the probability of default is >= threshold.' },
              cost: {
                type: 'object',
                additionalProperties: true,
                description: 'Business cost the threshold minimises, e.g. { kind: "credit", fnLoss: 1, fpLoss: 0.19 }.',
              },
              metrics: { type: 'object', additionalProperties: { type: 'number' } },
              featureCount: { type: 'integer' },
            },
          },
          503: errorResponses[503],
        },
      },
    },
    async (request) => {
      const m = request.model;
      // The source as the store saw it when it loaded this model (never the bundle's path or the MLflow URI).
      const serving = app.modelStore.sourceOf(m);
      return {
        name: m.name,
        version: m.version,
        alias: m.alias,
        source: serving?.label ?? 'unknown',
        sourceKind: serving?.kind ?? 'bundle',
        fallback: serving?.fallback ?? false,
        runId: m.runId,
        trainedAt: m.trainedAt,
        loadedAt: m.loadedAt,
        threshold: m.threshold,
        cost: m.cost,
        metrics: m.metrics,
        featureCount: m.featureNames.length,
      };
    },
  );

  app.get(
    '/features',
    {
      preHandler: requireModel,
      schema: {
        tags: ['model'],
        summary: 'Raw input fields the model reads, with their types and allowed values',
        description:
          'Fields of the Application object that the served model uses. Other Kaggle application fields are accepted ' +
          'and ignored; absent fields are missing values.',
        response: {
          200: {
            type: 'object',
            required: ['modelVersion', 'fields'],
            properties: {
              modelVersion: { type: 'string' },
              fields: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'type', 'required'],
                  properties: {
                    name: { type: 'string' },
                    title: { type: 'string', description: 'The field in plain words.' },
                    modelInput: { type: 'boolean', description: 'true when the model reads it (a split uses it).' },
                    type: { type: 'string', enum: ['number', 'integer', 'string'] },
                    required: { type: 'boolean', description: 'absent or null → 400 (the pipeline needs it)' },
                    allowedValues: {
                      type: 'array',
                      items: { type: 'string' },
                      description:
                        'categories seen in training; any other text is accepted and scored as an unseen (missing) category',
                    },
                  },
                },
              },
            },
          },
          503: errorResponses[503],
        },
      },
    },
    async (request) => ({
      modelVersion: request.model.version,
      fields: request.model.rawFields.map(({ name, type, required, values }) => ({
        name,
        title: plainName(name),
        modelInput: request.model.modelInputs.includes(name),
        type,
        required,
        allowedValues: values,
      })),
    }),
  );
}
