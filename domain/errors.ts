export type DomainErrorCode =
  | 'NOT_ELIGIBLE'
  | 'WRONG_PHASE'
  | 'ATTEMPTS_EXHAUSTED'
  | 'TOO_EARLY'
  | 'CONFLICT'
  /** The input names something the company's policy does not have (an element): each problem in `details`. */
  | 'VALIDATION_FAILED';

/** One problem with the input: where (`body:<field>/<key>`) and what. */
export interface DomainErrorDetail {
  path: string;
  message: string;
}

/** A business rule said no. `message` names the rule and what to do. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: DomainErrorDetail[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
