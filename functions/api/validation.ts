import type { ErrorObject } from 'ajv';
import { HttpError, type ErrorDetail } from './errors';
import type { SchemaName } from './schemas';
// Precompiled from schemas.ts by `npm run build:validators` (no schema compiler in the bundle, none at cold start).
import validators from './validators.generated';

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

/**
 * Numbers below DynamoDB's range (|x| < 1e-130 underflows) are noise in a percentage: they become 0. Scores
 * keep their precision otherwise (79.99 must still fail an 80 % pass mark).
 */
function normaliseNumbers(value: unknown): unknown {
  if (typeof value === 'number') return value !== 0 && Math.abs(value) < 1e-9 ? 0 : value;
  if (Array.isArray(value)) return value.map(normaliseNumbers);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = normaliseNumbers(v);
  }
  return value;
}

/** Date-time strings the schema accepts but the platform cannot represent (e.g. a leap second `…:60Z`). */
function unrepresentableDateTimes(value: unknown, at = ''): string[] {
  if (typeof value === 'string') {
    return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isFinite(Date.parse(value)) ? [at || '/'] : [];
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => unrepresentableDateTimes(v, `${at}/${k}`));
  }
  return [];
}

/** Validates a parsed body against the route's schema, or throws 400 VALIDATION_FAILED with details. */
export function validate<T>(name: SchemaName, body: unknown): T {
  const check = validators[name];
  if (check(body)) {
    const bad = unrepresentableDateTimes(body);
    if (bad.length > 0) {
      throw new HttpError(
        400,
        'VALIDATION_FAILED',
        `${(bad[0] as string).slice(1)} is not a representable date-time`,
        bad.map((path) => ({ path, message: 'must be a date-time without leap seconds' })),
      );
    }
    return normaliseNumbers(body) as T;
  }
  const seen = new Set<string>();
  const details = (check.errors ?? [])
    .map(detail)
    .filter((d) => !seen.has(d.path) && (seen.add(d.path), true)) // one finding per field
    .slice(0, 20);
  const first = details[0];
  const message = first
    ? `${first.path === '/' ? 'the body' : first.path.slice(1).replace(/\//g, '.')} ${first.message}`
    : 'the body is invalid';
  throw new HttpError(400, 'VALIDATION_FAILED', message, details);
}
