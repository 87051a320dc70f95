/** The building blocks of the API's schemas: formats, enums and the fields several bodies share. */
import {
  Type,
  type TProperties,
  type TSchema,
  type TUnsafe,
  type ObjectOptions,
  type StringOptions,
} from '@sinclair/typebox';
import { PHASES, REGIONS, type AuditType, type PhaseKey, type Step } from '../../../domain';
import { COMPANY_ID_PATTERN } from '../ids';
import type { ErrorCode } from '../errors';

export const text = (max: number, options: StringOptions = {}) =>
  Type.String({ minLength: 1, maxLength: max, ...options });
export const email = Type.String({ format: 'email', maxLength: 254 });
export const date = Type.String({
  format: 'date',
  pattern: '^(19|20|21)\\d{2}-',
  description: 'YYYY-MM-DD (years 1900 to 2199)',
});
export const dateOut = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const timestamp = Type.String({
  format: 'date-time',
  description: 'ISO-8601 UTC, e.g. 2027-02-01T09:30:00.000Z',
});
export const percent = Type.Number({ minimum: 0, maximum: 100 });
export const count = Type.Integer({ minimum: 0 });
/** A request object: unknown fields are refused. */
export const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
/** A string enum (`enum`, not TypeBox's anyOf of consts: clearer errors and documents). */
export const oneOf = <T extends string>(values: readonly T[], options: StringOptions = {}): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Scores by program element, e.g. {"hazard-assessment": 90}. */
export const elementScores = Type.Unsafe<Record<string, number>>({
  type: 'object',
  propertyNames: { pattern: '^[a-z][a-z0-9-]{0,99}$' },
  additionalProperties: percent,
  maxProperties: 50,
  description: 'Score (0–100) per program element',
});
export const maintenanceYear = Type.Unsafe<2 | 3>({
  type: 'integer',
  enum: [2, 3],
  description: 'The certificate year a maintenance audit covers',
});

/** Every value of a union type, checked complete by the compiler (a Record over the union). */
export const valuesOf = <T extends string>(all: Record<T, true>): T[] => Object.keys(all) as T[];

export const STEPS = valuesOf<Step>({
  DESIGNATE_TRAINEE: true,
  TRAINING_EXAM: true,
  PROGRAM_SUBMISSION: true,
  CERTIFICATION_AUDIT: true,
  MAINTENANCE_AUDIT: true,
  RECERTIFICATION_AUDIT: true,
  TRAINING_REFRESHER: true,
});
export const PHASE_KEYS = valuesOf<PhaseKey>({
  REGISTRATION: true,
  TRAINING: true,
  IMPLEMENTATION: true,
  CERTIFICATION_AUDIT: true,
  MAINTENANCE2: true,
  MAINTENANCE3: true,
  RECERTIFICATION: true,
});
export const AUDIT_TYPES = valuesOf<AuditType>({
  certification: true,
  maintenance: true,
  recertification: true,
});
export const ERROR_CODES = valuesOf<ErrorCode>({
  MALFORMED_JSON: true,
  VALIDATION_FAILED: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  CONFLICT: true,
  NOT_ELIGIBLE: true,
  WRONG_PHASE: true,
  ATTEMPTS_EXHAUSTED: true,
  TOO_EARLY: true,
  THROTTLED: true,
  INTERNAL: true,
});

export const companyId = Type.String({ pattern: COMPANY_ID_PATTERN, description: 'The company id' });
/** Certificate numbers, e.g. SECOR-AB-2027-000123 (domain CERTIFICATE_NUMBER_RE). */
export const certificateNumber = Type.String({
  pattern: '^SECOR-[A-Z]{2}-\\d{4}-\\d{6,}$',
  description: 'SECOR-<region>-<year>-<sequence>',
});
export const phase = oneOf(PHASES, { description: 'The lifecycle phase' });
/** Phases as the index stores them (plain strings in TypeScript, the same values). */
export const phaseOut = oneOf<string>(PHASES, { description: 'The lifecycle phase' });
export const region = oneOf<string>(REGIONS, { description: 'Province or territory code' });
export const step = oneOf(STEPS, { description: 'The workflow step' });
export const contactOut = Type.Object({
  name: Type.String(),
  email: Type.String(),
  phone: Type.Optional(Type.String()),
});
export const emailIssue = Type.Object(
  {
    kind: oneOf(['bounce', 'complaint'] as const),
    recipient: oneOf(['trainee', 'contact', 'ops'] as const),
    at: timestamp,
  },
  { description: 'The latest bounce or complaint SES reported: reminders may not be arriving' },
);
export const apiKey = Type.String({
  pattern: '^secor_(company|assessor|reviewer)_[A-Za-z0-9_-]{43}$',
  description: 'The API key: shown once, only its hash is stored. Send it as `Authorization: Bearer <key>`.',
});
/** A key in the response that issued it: absent when that response is answered again as an idempotent replay. */
export const issuedApiKey = Type.Optional(
  Type.String({
    pattern: apiKey.pattern,
    description:
      'The API key: shown once, only its hash is stored; send it as `Authorization: Bearer <key>`. Absent when ' +
      'the response is an idempotent replay (same Idempotency-Key and body): the key itself is kept nowhere.',
  }),
);
