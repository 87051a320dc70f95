/** The shape of an operation of the HTTP API, its tags, and the error lists routes share. */
import type { Role } from '../principal';
import type { ResponseSchemaName, SchemaName } from '../schemas';

export { COMPANY_ID_PATTERN } from '../ids';

export type SuccessStatus = 200 | 201 | 202 | 204;
/** The error statuses a route can answer (besides an unexpected 500). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 422 | 429;

export const TAGS = {
  Companies: 'Signing up, the company status, and withdrawing.',
  Training: 'The trainee, training enrolments and exam attempts.',
  Certification: 'The health & safety program and audits (certification, maintenance, recertification).',
  Certificates: 'Public verification of a certificate number.',
  Regions: 'The provinces and territories, and the SECOR policy in force in each (public).',
  Access: 'Signing in by email: a one-time link, a session key, signing out.',
  Operations:
    'Operations: companies by phase, workflow executions, reminders, redrive, assessor and reviewer keys.',
  Documentation: 'This document.',
} as const;
export type Tag = keyof typeof TAGS;

export interface QueryParameter {
  description: string;
  schema: Record<string, unknown>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tag: Tag;
  roles: readonly Role[];
  /** The request body's schema (write routes). */
  request?: SchemaName;
  /** Writes accept an Idempotency-Key header. */
  idempotent?: boolean;
  status: SuccessStatus;
  response: ResponseSchemaName;
  errors: readonly ErrorStatus[];
  query?: Readonly<Record<string, QueryParameter>>;
  /** An example request body (writes) and response body. */
  example?: { request?: unknown; response: unknown };
}

/** 400: an unknown query parameter (or a bad value of a known one). */
export const KEY_ROUTE_ERRORS = [400, 401, 403, 404, 429] as const;
export const WRITE_ERRORS = [400, 401, 403, 404, 409, 422, 429] as const;
