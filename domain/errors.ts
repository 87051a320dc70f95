export type DomainErrorCode =
  'NOT_ELIGIBLE' | 'WRONG_PHASE' | 'ATTEMPTS_EXHAUSTED' | 'TOO_EARLY' | 'CONFLICT';

/** A business rule said no. `message` names the rule and what to do. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
