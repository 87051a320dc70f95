import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { HttpError, type ErrorDetail } from './errors';
import { schemas, type SchemaName } from './schemas';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: false });
addFormats(ajv, ['email', 'date', 'date-time']);

// Compiled once per module (cold start), reused by every request.
const validators = Object.fromEntries(
  Object.entries(schemas).map(([name, schema]) => [name, ajv.compile(schema)]),
) as Record<SchemaName, ValidateFunction>;

function detail(e: ErrorObject): ErrorDetail {
  if (e.keyword === 'additionalProperties') {
    const field = (e.params as { additionalProperty: string }).additionalProperty;
    return { path: `${e.instancePath}/${field}`, message: 'is not an allowed field' };
  }
  if (e.keyword === 'required') {
    const field = (e.params as { missingProperty: string }).missingProperty;
    return { path: `${e.instancePath}/${field}`, message: 'is required' };
  }
  return { path: e.instancePath || '/', message: e.message ?? 'is invalid' };
}

/** Validates a parsed body against the route's schema, or throws 400 VALIDATION_FAILED with details. */
export function validate<T>(name: SchemaName, body: unknown): T {
  const check = validators[name];
  if (check(body)) return body as T;
  const details = (check.errors ?? []).slice(0, 20).map(detail);
  const first = details[0];
  const message = first
    ? `${first.path === '/' ? 'the body' : first.path.slice(1).replace(/\//g, '.')} ${first.message}`
    : 'the body is invalid';
  throw new HttpError(400, 'VALIDATION_FAILED', message, details);
}
