/**
 * Checks a response against the API's contract (functions/api/contract.ts and schemas.ts): a 2xx must have its
 * route's status and match its response schema, with no field the schema does not describe; any other status must
 * be one the route declares (or the 500 of `default`) and match that status's error schema. setup.ts's call()
 * runs it on every response, so every API test also checks that the OpenAPI document cannot drift from the code.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { operationOf, type ErrorStatus } from '../../../functions/api/contract';
import { errorSchemas, responseSchemas, type ErrorSchemaName } from '../../../functions/api/schemas';
import { resolveRoute } from '../../../local/api-gateway';

/**
 * A copy of a schema in which every object that lists its properties allows no other: the published responses
 * allow fields to be added later, the API's own responses must describe every field they have.
 */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, s]) => [p, closed(s)]))
        : k === 'enum' || k === 'required'
          ? v
          : closed(v);
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv, ['email', 'date', 'date-time']);
const compiled = new Map<string, ValidateFunction>();
function validator(name: string, schema: unknown): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = ajv.compile(closed(JSON.parse(JSON.stringify(schema))) as object);
    compiled.set(name, v);
  }
  return v;
}

const ERROR_SCHEMA: Record<ErrorStatus, ErrorSchemaName> = {
  400: 'BadRequestError',
  401: 'UnauthenticatedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  409: 'ConflictError',
  422: 'UnprocessableError',
  429: 'ThrottledError',
};

function problemOf(v: ValidateFunction, body: unknown): string | null {
  if (v(body)) return null;
  return ajv.errorsText(v.errors, { dataVar: 'body' });
}

/** Why a response does not match the contract, or null when it does. */
export function contractProblem(method: string, path: string, status: number, raw: string): string | null {
  let body: unknown;
  try {
    body = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    return 'the body is not JSON';
  }
  const resolved = resolveRoute(method, path.replace(/\/+$/, '') || '/');
  const op = resolved.binding ? operationOf(resolved.binding.routeKey) : undefined;
  if (resolved.binding && !op) return `${resolved.binding.routeKey} has no operation in contract.ts`;
  const route = resolved.binding?.routeKey ?? `${method} ${path} (no route)`;
  if (status >= 200 && status < 300) {
    if (!op) return `${route}: ${status} without a route`;
    if (status !== op.status) return `${route}: status ${status}, the contract says ${op.status}`;
    if (status === 204) return raw === '' ? null : `${route}: 204 with a body`;
    const problem = problemOf(validator(op.response, responseSchemas[op.response]), body);
    return problem && `${route}: ${status} body does not match ${op.response}: ${problem}`;
  }
  if (op && status !== 500 && !(op.errors as readonly number[]).includes(status)) {
    return `${route}: status ${status} is not among the route's documented errors (${op.errors.join(', ')})`;
  }
  const name: ErrorSchemaName = op ? (ERROR_SCHEMA[status as ErrorStatus] ?? 'Error') : 'Error';
  const problem = problemOf(validator(name, errorSchemas[name]), body);
  return problem && `${route}: ${status} body does not match ${name}: ${problem}`;
}
