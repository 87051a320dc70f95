/** The contract's error body: `{ error: { code, message, details? } }` for every non-2xx response. */
export type ErrorCode =
  | 'MALFORMED_JSON'
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NOT_ELIGIBLE'
  | 'WRONG_PHASE'
  | 'ATTEMPTS_EXHAUSTED'
  | 'TOO_EARLY'
  | 'THROTTLED'
  | 'INTERNAL';

export interface ErrorDetail {
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetail[]) {
  return { error: { code, message, ...(details && details.length ? { details } : {}) } };
}

export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} not found`);
export const forbidden = (message: string) => new HttpError(403, 'FORBIDDEN', message);
export const unauthenticated = () =>
  new HttpError(401, 'UNAUTHENTICATED', 'missing or unknown API key: send Authorization: Bearer <key>');
