/**
 * Runs the synthesized CertificationLifecycle definition with aws-local-stepfunctions. Task overrides stand in
 * for AWS: an in-memory company store driven by the real domain (decide, planNext, planNotices), a scripted
 * "human" side (API calls at given dates), and a simulated clock that jumps to each wait's wake time.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import {
  decide,
  planNext,
  planNotices,
  policies,
  type Actor,
  type Command,
  type Company,
  type Notice,
  type PhaseInput,
  type Plan,
  type Recipient,
} from '../../domain';
import { synthesizeLifecycle, taskFunctionArn, type AslDefinition } from '../../local/synthesized';

export interface ScriptedAction {
  /** ISO timestamp when the person acts. */
  at: string;
  command: Command;
  by: Actor;
}

export interface ExecutionRecord {
  name: string;
  input: PhaseInput;
  startedAt: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  error?: string;
  states: string[];
  retries: number;
  /** Every state failure seen (retried, caught or fatal). */
  failures: string[];
}

export interface SentEmail {
  at: string;
  kind: Notice['kind'];
  key: string;
  recipient: string;
  step?: string;
}

type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
type Override = (input: JSONValue) => Promise<JSONValue>;

const HANDLER_OF_STATE = (definition: AslDefinition) => {
  const synthesized = synthesizeLifecycle();
  const byState: Record<string, string> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const arn = state.Type === 'Task' ? taskFunctionArn(state) : null;
    if (arn) byState[name] = synthesized.handlers[arn] ?? 'unknown';
    else if (state.Resource === 'arn:aws:states:::states:startExecution') byState[name] = 'startExecution';
  }
  return byState;
};

export class LifecycleWorld {
  readonly synthesized = synthesizeLifecycle();
  readonly definition = this.synthesized.definition;
  readonly machine = new StateMachine(
    this.definition as unknown as ConstructorParameters<typeof StateMachine>[0],
    {
      validationOptions: { checkPaths: false },
    },
  );
  readonly handlerOfState = HANDLER_OF_STATE(this.definition);
  now: string;
  company: Company | null = null;
  readonly executions: ExecutionRecord[] = [];
  readonly emails: SentEmail[] = [];
  private readonly script: ScriptedAction[] = [];
  private readonly running: Promise<void>[] = [];
  private readonly lastPlan = new Map<string, Plan>();
  /** State name → how many more times its task throws (error name). */
  private readonly faults = new Map<string, { times: number; error: string; execution?: string }>();

  constructor(start: string) {
    this.now = start;
  }

  /** Registers the company (as sign-up would) and starts its first execution. */
  signUp(command: Extract<Command, { type: 'register' }>): void {
    const decision = decide(null, command, { now: this.now, by: 'public' });
    this.company = decision.company;
    this.startExecution(this.company.execution.name, {
      companyId: command.companyId,
      cycle: 1,
      phaseKey: 'REGISTRATION',
    });
  }

  /** A person acts at `at` (the workflow picks it up while it waits). */
  act(at: string, command: Command, by: Actor = 'company'): this {
    this.script.push({ at, command, by });
    this.script.sort((a, b) => a.at.localeCompare(b.at));
    return this;
  }

  /** The task of `stateName` throws `error` the next `times` times it runs. */
  fail(stateName: string, times: number, error = 'Error', execution?: string): this {
    this.faults.set(stateName, { times, error, ...(execution ? { execution } : {}) });
    return this;
  }

  /** Waits until every execution started so far (and those they start) has ended. */
  async settle(): Promise<void> {
    for (let i = 0; i < this.running.length; i++) await this.running[i];
  }

  get transitions(): number {
    return this.executions.reduce((n, e) => n + e.states.length, 0);
  }

  private get c(): Company {
    if (!this.company) throw new Error('no company');
    return this.company;
  }

  private apply(command: Command, by: Actor): void {
    this.company = decide(this.c, command, { now: this.now, by }).company;
  }

  private plan(execution: { name: string; startedAt: string }, iteration: number): Plan {
    const plan = planNext(this.c, policies.forRegion(this.c.region), this.now, { ...execution, iteration });
    this.lastPlan.set(execution.name, plan);
    return plan;
  }

  /** As functions/lib/notify.ts does: one email per person now (held people wait), then the record notes it. */
  private sendNotices(): void {
    const plan = planNotices(this.c, policies.forRegion(this.c.region), this.now);
    if (plan.due.length === 0) return;
    const emailed = new Set<Recipient>();
    for (const n of plan.due) {
      for (const recipient of n.recipients) {
        emailed.add(recipient);
        this.emails.push({
          at: this.now,
          kind: n.kind,
          key: n.key,
          recipient,
          ...(n.reminder ? { step: n.reminder.step } : {}),
        });
      }
    }
    this.apply(
      {
        type: 'recordNotifications',
        through: this.c.history.length,
        reminderKeys: plan.due.filter((n) => n.kind === 'reminder' || n.kind === 'opening').map((n) => n.key),
        held: plan.held,
        emailed: [...emailed],
      },
      'system',
    );
  }

  private injectFault(stateName: string, executionName: string): void {
    const fault = this.faults.get(stateName);
    if (fault && fault.times > 0 && (!fault.execution || fault.execution === executionName)) {
      fault.times -= 1;
      throw Object.assign(new Error(`injected failure in ${stateName}`), { name: fault.error });
    }
  }

  private overrides(name: string): Record<string, Override> {
    const overrides: Record<string, Override> = {};
    for (const [state, handler] of Object.entries(this.handlerOfState)) {
      overrides[state] = async (input) => {
        const raw = input as Record<string, unknown>;
        this.injectFault(state, name);
        const payload = (raw.Payload ?? raw) as {
          execution: { name: string; startedAt: string };
          iteration?: number;
          action?: string;
        };
        // The engine stamps StartTime with the real clock; this world's executions start on its simulated clock.
        if (payload.execution)
          payload.execution.startedAt = this.executions.find((e) => e.name === name)?.startedAt ?? this.now;
        switch (handler) {
          case 'functions/tasks/progress.ts': {
            const last = this.lastPlan.get(name);
            if (last?.action === 'sleep' && last.wakeAt > this.now) this.now = last.wakeAt;
            this.sendNotices();
            const plan = this.plan(payload.execution, payload.iteration ?? 0);
            // An old execution continues its phase in a fresh one (as functions/tasks/progress.ts does).
            if (plan.action === 'continue') return json(this.transition(payload.execution, 'continue', raw));
            return json(plan);
          }
          case 'functions/tasks/await-step.ts':
            return json(await this.awaitStep(payload.execution, payload.iteration ?? 0));
          case 'functions/tasks/transition.ts':
            return json(this.transition(payload.execution, payload.action as string, raw));
          case 'startExecution': {
            const { Name, Input } = raw as { Name: string; Input: PhaseInput };
            if (this.executions.some((e) => e.name === Name)) {
              throw Object.assign(new Error(`execution ${Name} already exists`), {
                name: 'StepFunctions.ExecutionAlreadyExistsException',
              });
            }
            this.startExecution(Name, Input);
            return {};
          }
          default:
            throw new Error(`no override for ${state}`);
        }
      };
    }
    return overrides;
  }

  private async awaitStep(execution: { name: string; startedAt: string }, iteration: number): Promise<Plan> {
    const plan = this.plan(execution, iteration);
    if (plan.action !== 'await') return plan; // the step was done while nothing waited: complete at once
    const next = this.script[0];
    if (next && next.at <= plan.wakeAt) {
      this.script.shift();
      if (next.at > this.now) this.now = next.at;
      try {
        this.apply(next.command, next.by);
      } catch {
        // the API would have answered 4xx: the workflow is not notified
        return this.awaitStep(execution, iteration);
      }
      return this.plan(execution, iteration + 1); // what the API sends with SendTaskSuccess
    }
    this.now = plan.wakeAt;
    throw Object.assign(new Error('callback timed out'), { name: 'States.Timeout' });
  }

  private transition(execution: { name: string }, action: string, raw: Record<string, unknown>): Plan {
    const commands: Record<string, Command> = {
      escalate: { type: 'deadlinePassed' },
      continue: { type: 'continueExecution' },
      recordFailure: {
        type: 'recordFailure',
        cause: JSON.stringify((raw as { error?: unknown }).error ?? null),
      },
    };
    const unstarted = (raw as { error?: { unstarted?: string } }).error?.unstarted;
    if (
      this.c.execution.name === execution.name ||
      (action === 'recordFailure' && this.c.execution.name === unstarted)
    ) {
      try {
        this.apply(commands[action] as Command, 'system');
      } catch {
        // already applied (a retry), or no longer applies
      }
    }
    if (action === 'recordFailure') this.sendNotices();
    return this.plan(
      {
        name: execution.name,
        startedAt: this.executions.find((e) => e.name === execution.name)?.startedAt ?? this.now,
      },
      0,
    );
  }

  private startExecution(name: string, input: PhaseInput): void {
    const record: ExecutionRecord = {
      name,
      input,
      startedAt: this.now,
      status: 'RUNNING',
      states: [],
      retries: 0,
      failures: [],
    };
    this.executions.push(record);
    const waits = Object.fromEntries(
      Object.entries(this.definition.States)
        .filter(([, s]) => s.Type === 'Wait')
        .map(([n]) => [n, 0]),
    );
    const retries = Object.fromEntries(Object.keys(this.definition.States).map((n) => [n, 0]));
    const run = this.machine.run(json(input), {
      overrides: {
        taskResourceLocalHandlers: this.overrides(name),
        waitTimeOverrides: waits,
        retryIntervalOverrides: retries,
      },
      context: {
        Execution: { Name: name, StartTime: this.now, Input: json(input) },
        Task: { Token: `token-${name}` },
      },
    });
    const logs = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered') {
          record.states.push(event.state.name);
          if (record.states.length > 2000) run.abort(); // a runaway loop is a failure, not a hang
        }
        if (event.type === 'StateRetried') record.retries += 1;
        if (event.type === 'StateFailed')
          record.failures.push(`${event.state.name}: ${event.Error}: ${event.Cause}`);
      }
    })();
    this.running.push(
      (async () => {
        try {
          await run.result;
          record.status = 'SUCCEEDED';
        } catch (e) {
          record.status = 'FAILED';
          record.error = (e as Error).message;
        }
        await logs;
      })(),
    );
  }
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as JSONValue;

export const at = (date: string) => `${date}T12:00:00.000Z`;

export const ALL_ELEMENTS = [
  'management-leadership',
  'hazard-assessment',
  'hazard-control',
  'training',
  'inspections',
  'emergency-response',
  'incident-investigation',
  'program-administration',
];

export const scores = (value: number, overrides: Record<string, number> = {}) => ({
  ...Object.fromEntries(ALL_ELEMENTS.map((e) => [e, value])),
  ...overrides,
});
