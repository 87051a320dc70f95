/** The shapes the local Step Functions share: executions, their history, and the API's errors. */
import type { SynthesizedLifecycle } from '../synthesized';

export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  timestamp: string;
  type: string;
  id: number;
  previousEventId: number;
  details?: Record<string, unknown>;
}

export interface Execution {
  name: string;
  executionArn: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  abort?: () => void;
  /** States entered (billed transitions). */
  transitions: number;
}

/** An error the JSON API answers with its `__type` (400; InternalFailure is a 500). */
export class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalStepFunctionsOptions {
  lifecycle: SynthesizedLifecycle;
  /** Loads a handler module by its repository path. */
  load: (module: string) => Promise<Record<string, unknown>>;
  /** Execution summaries are appended here (JSON lines) so they survive a restart. */
  journal?: string;
  log?: (message: string) => void;
}
