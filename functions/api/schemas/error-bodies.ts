/** The error bodies. */
import { Type, type Static } from '@sinclair/typebox';
import type { ErrorCode } from '../errors';
import { ERROR_CODES, oneOf } from './common';

const errorBody = (codes: readonly ErrorCode[], description: string) =>
  Type.Object(
    {
      error: Type.Object({
        code: oneOf(codes),
        message: Type.String({ minLength: 1, description: 'What went wrong and what to do, in words' }),
        details: Type.Optional(
          Type.Array(
            Type.Object({
              path: Type.String({
                description:
                  'A JSON pointer into the body (`/contact/email`), or `query:<name>`, `path:<name>`',
              }),
              message: Type.String(),
            }),
            { minItems: 1, description: 'One finding per field (always sent with VALIDATION_FAILED)' },
          ),
        ),
      }),
    },
    { description },
  );

/** The error bodies: the contract's `{error: {code, message, details?}}`, each status with its codes. */
export const errorSchemas = {
  Error: errorBody(ERROR_CODES, 'The error body of every non-2xx response the API itself sends'),
  BadRequestError: errorBody(['MALFORMED_JSON', 'VALIDATION_FAILED'], 'The body or a parameter is invalid'),
  UnauthenticatedError: errorBody(['UNAUTHENTICATED'], 'No API key, or an unknown one'),
  ForbiddenError: errorBody(['FORBIDDEN'], 'The key may not use this route, or not on this company'),
  NotFoundError: errorBody(['NOT_FOUND'], 'No such company, certificate or execution'),
  ConflictError: errorBody(
    ['CONFLICT'],
    'A concurrent or conflicting change, or an Idempotency-Key conflict',
  ),
  UnprocessableError: errorBody(
    ['NOT_ELIGIBLE', 'WRONG_PHASE', 'ATTEMPTS_EXHAUSTED', 'TOO_EARLY'],
    'A business rule refused the request',
  ),
  ThrottledError: errorBody(
    ['THROTTLED'],
    'Too many requests: from the stage as a whole, from one address (the firewall), or to one email address',
  ),
};

export type ErrorSchemaName = keyof typeof errorSchemas;
export type ErrorBody = Static<(typeof errorSchemas)['Error']>;
