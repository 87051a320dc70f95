import type { ExecutionContext } from '../../domain';

/** The payload every lifecycle task receives from the state machine. */
export interface TaskEvent {
  companyId: string;
  execution: ExecutionContext;
  /** The loop iteration so far (absent on a phase's first state). */
  iteration?: number;
}
