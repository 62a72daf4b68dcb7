// Request validation policy. Bodies are validated strictly (no type coercion: "1000" is not a number; unknown fields
// are errors, not silently removed; every problem reported at once), while params and querystrings keep Fastify's
// coercion because URLs only carry text; their unknown parameters are errors too (a typo such as ?decison=refused
// was dropped and the unfiltered rows answered). The formatter turns Ajv errors into one message naming each field.
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifySchemaValidationError, SchemaErrorDataVar } from 'fastify/types/schema';

type ValidatorFactory = ReturnType<typeof AjvCompiler>;

const STRICT_BODY_OPTIONS = { coerceTypes: false, removeAdditional: false, allErrors: true, verbose: true } as const;
/**
 * URL parts keep Fastify's coercion; `verbose` puts the offending value in each error so the message can quote it.
 * removeAdditional off: a schema's `additionalProperties: false` refuses an unknown parameter instead of dropping it.
 */
const URL_OPTIONS = { verbose: true, removeAdditional: false } as const;

/** Whether a schema (or any schema it may reference) names a `default`: Ajv's useDefaults would write it in. */
function hasDefault(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(hasDefault);
  if (schema === null || typeof schema !== 'object') return false;
  return Object.entries(schema).some(([key, value]) => key === 'default' || hasDefault(value));
}

/**
 * Whether validating a body against `schemas` (a route's body schema and the shared schemas it may `$ref`) leaves
 * it exactly as parsed. True with the strict body options unless a schema has a `default` (Fastify's Ajv options keep
 * useDefaults on): then the validated body is the parse of the body's text, so another thread can rebuild it from
 * the text (the prediction log does). Conservative: any key named `default` counts.
 */
export function bodyValidationKeepsParse(schemas: readonly unknown[]): boolean {
  return !STRICT_BODY_OPTIONS.coerceTypes && !STRICT_BODY_OPTIONS.removeAdditional && !hasDefault(schemas);
}

/** schemaController.compilersFactory.buildValidator: strict Ajv for bodies, Fastify's default for the URL parts. */
export function bodyStrictValidatorFactory(): ValidatorFactory {
  const pool = AjvCompiler();
  const factory: ValidatorFactory = (externalSchemas, options) => {
    // Fastify passes its `ajv` server option here (never JTD mode in this app).
    const base = (options ?? {}) as { customOptions?: Record<string, unknown>; plugins?: [] };
    const lenient = pool(externalSchemas, {
      plugins: base.plugins,
      customOptions: { ...base.customOptions, ...URL_OPTIONS },
    });
    const strict = pool(externalSchemas, {
      plugins: base.plugins,
      customOptions: { ...base.customOptions, ...STRICT_BODY_OPTIONS },
    });
    return (route) => (route.httpPart === 'body' ? strict(route) : decimalIntegers(route.schema, lenient(route)));
  };
  return factory;
}

type UrlValidator = ReturnType<ReturnType<ValidatorFactory>>;

/** Decimal digits, an optional minus sign: how an integer is written in our URLs. */
const DECIMAL = /^-?[0-9]+$/;

/**
 * The URL part's integer parameters as decimal digits only. Ajv's coercion takes any text JavaScript reads as that
 * number ('0x1F' → 31, '1e3' → 1000, ' 7 ' → 7), so ?client=0x1F answered client 31's rows. The check runs before
 * Ajv's and reports as Ajv does (a `type` error quoting the value).
 */
function decimalIntegers(schema: unknown, validate: UrlValidator): UrlValidator {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const integers = Object.keys(properties).filter((name) => properties[name].type === 'integer');
  if (integers.length === 0) return validate;
  const check = Object.assign(
    (data: unknown) => {
      const values = (data ?? {}) as Record<string, unknown>;
      const errors = integers
        .filter((name) => typeof values[name] === 'string' && !DECIMAL.test(values[name]))
        .map((name) => ({
          keyword: 'type',
          instancePath: `/${name}`,
          schemaPath: `#/properties/${name}/type`,
          params: { type: 'integer' },
          message: 'must be integer',
          data: values[name],
        }));
      if (errors.length > 0) {
        check.errors = errors;
        return false;
      }
      const valid = validate(data);
      check.errors = validate.errors;
      return valid;
    },
    { schema: validate.schema, schemaEnv: validate.schemaEnv, errors: null as UrlValidator['errors'] },
  );
  return check as UrlValidator;
}

/** An error that carries the request fields it is about, for the `fields` member of the error response. */
export class RequestFieldsError extends Error {
  constructor(
    message: string,
    readonly fields: string[],
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'RequestFieldsError';
  }
}

/** `/0/application/AMT_CREDIT` → `body[0].application.AMT_CREDIT` */
export function fieldPath(dataVar: string, instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (child !== undefined) parts.push(child);
  let out = dataVar;
  for (const part of parts) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  return out;
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

function describeValue(value: unknown, dataVar: string): string {
  // A URL carries text only, so "the text" would say nothing: quote the value as sent.
  if (dataVar !== 'body' && typeof value === 'string') return `'${clip(value)}'`;
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the text ${JSON.stringify(clip(value))}`;
  if (typeof value === 'object') return 'an object';
  // 1e400 parses to Infinity; JSON.stringify would print it as null
  if (typeof value === 'number' && !Number.isFinite(value)) return `a number out of range (${String(value)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function expectedType(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).map(String);
  return types
    .map((t) =>
      t === 'integer' ? 'an integer' : t === 'null' ? 'null' : t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`,
    )
    .join(' or ');
}

/** One readable line per problem, plus the field it concerns. */
function describe(
  error: FastifySchemaValidationError & { data?: unknown },
  dataVar: string,
): { field: string; text: string } {
  const params = error.params as Record<string, unknown>;
  const at = fieldPath(dataVar, error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = fieldPath(dataVar, error.instancePath, String(params.additionalProperty));
      return { field, text: `${field} is not a known field` };
    }
    case 'required': {
      const field = fieldPath(dataVar, error.instancePath, String(params.missingProperty));
      return { field, text: `${field} is required` };
    }
    case 'type':
      return {
        field: at,
        text: `${at} must be ${expectedType(params.type)}, got ${describeValue(error.data, dataVar)}`,
      };
    case 'exclusiveMaximum':
    case 'exclusiveMinimum': {
      // The only exclusive bounds are the pipeline's magnitude limit on numeric fields (schemas.ts).
      const side = error.keyword === 'exclusiveMaximum' ? 'below' : 'above';
      const limit = Number(params.limit).toExponential(1);
      const value = describeValue(error.data, dataVar);
      return { field: at, text: `${at} must be ${side} ${limit} (a larger magnitude reads as missing), got ${value}` };
    }
    case 'maxItems':
      return { field: at, text: `${at} has too many items (at most ${String(params.limit)})` };
    case 'minItems':
      return { field: at, text: `${at} must have at least ${String(params.limit)} item(s)` };
    default:
      return { field: at, text: `${at} ${error.message ?? 'is invalid'}` };
  }
}

/** How many problems one message lists; the `fields` array is capped the same way. */
const MAX_REPORTED = 20;

/**
 * schemaErrorFormatter. The /predict body is "one applicant OR an array of them" (oneOf); Ajv then also reports that
 * the body failed the other branch (`must be array` / `must be object` at the root) and `must match exactly one schema`.
 * Those are noise when a real field problem exists, so they are dropped unless nothing else is left.
 */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  // Linear in the errors: a 1 MB batch of unknown fields gives Ajv (allErrors) 100,000 of them, and a quadratic pass
  // over them held the event loop, every other request with it, for minutes (session 17).
  const anyOneOf = errors.some((e) => e.keyword === 'oneOf');
  const isBranchNoise = (e: FastifySchemaValidationError) =>
    e.keyword === 'oneOf' || (e.instancePath === '' && e.keyword === 'type' && anyOneOf);
  const specific = errors.filter((e) => !isBranchNoise(e));
  if (specific.length === 0) {
    const oneOf = errors.some((e) => e.keyword === 'oneOf');
    const text = oneOf
      ? `${dataVar} must be one applicant object or an array of applicant objects`
      : `${dataVar} is invalid`;
    return new RequestFieldsError(text, [dataVar]);
  }
  const lines = new Set<string>();
  const fields = new Set<string>();
  for (const error of specific) {
    const { field, text } = describe(error, dataVar);
    if (lines.has(text)) continue;
    lines.add(text);
    fields.add(field);
  }
  const shown = [...lines].slice(0, MAX_REPORTED).join('; ');
  const more = lines.size > MAX_REPORTED ? ` (and ${lines.size - MAX_REPORTED} more problems)` : '';
  return new RequestFieldsError(`invalid request: ${shown}${more}`, [...fields].slice(0, MAX_REPORTED));
}
