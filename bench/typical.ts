/**
 * The typical path (see bench/paths.ts): every step done right the first time, `LEAD_DAYS` (30) days before its
 * due date — or on the day its window opens, if that is later — reading the due dates from the record as the
 * worst path does: designate the trainee, exam passed, program submitted, certification audit, year-2 and
 * year-3 maintenance audits, the trainee's refresher (on the way, 30 days before the training certificate
 * expires), recertification. The company receives every reminder each window sends up to then.
 */
import { addDays, maxDate, policies, refresherDeadline, type Deadline } from '../domain';
import {
  audit,
  designate,
  enrol,
  exam,
  program,
  signUp,
  type Actors,
  type CompanyHandle,
  type Records,
} from './paths';

/** Days before its due date a step is done. */
export const LEAD_DAYS = 30;

/** The day a step is done: `LEAD_DAYS` before it is due, or the day its window opens if that is later. */
export const filingDay = (d: Pick<Deadline, 'opensOn' | 'dueOn'>) =>
  maxDate(d.opensOn, addDays(d.dueOn, -LEAD_DAYS));

export async function typicalCycle(a: Actors, records: Records): Promise<CompanyHandle> {
  const { api } = a;
  const step = (s: string) => a.onStep?.(s);
  const c = await signUp(a, 0);
  const policy = policies.forRegion('AB');
  let refresherTaken = false;
  /** Advances to `date`, taking the trainee's refresher on its filing day on the way if that comes first. */
  const advanceTo = async (date: string) => {
    const refresher = refresherDeadline(await records.company(c.id), policy);
    if (!refresherTaken && refresher && filingDay(refresher) <= date) {
      const on = filingDay(refresher);
      await api.advanceTo(on);
      step(
        `refresher on ${on}, ${LEAD_DAYS} days before the training certificate expires ${refresher.dueOn}`,
      );
      await enrol(a, c);
      await exam(a, c, 88, true);
      refresherTaken = true;
      await api.advance(0);
    }
    await api.advanceTo(date);
  };
  /** Waits for the step's filing day, then does it. */
  const fileStep = async (
    expected: Deadline['step'],
    label: string,
    act: (on: string) => Promise<unknown>,
  ) => {
    const d = await records.deadline(c.id, expected);
    const on = filingDay(d);
    await advanceTo(on);
    step(`${label} on ${on} (window ${d.opensOn} … ${d.dueOn})`);
    await act(on);
    await api.advance(0);
  };
  const certified = async (what: string, r: Promise<{ certificate?: unknown }>) => {
    if (!(await r).certificate) throw new Error(`${what}: no certificate`);
  };

  await fileStep('DESIGNATE_TRAINEE', 'trainee designated', () => designate(a, c));
  await fileStep('TRAINING_EXAM', 'exam passed', () => exam(a, c, 85, true));
  await fileStep('PROGRAM_SUBMISSION', 'program submitted', (on) => program(a, c, on));
  await fileStep('CERTIFICATION_AUDIT', 'certification audit passed', (on) =>
    certified('certification audit', audit(a, c, 'certification', 90, on)),
  );
  await fileStep('MAINTENANCE_AUDIT', 'year-2 maintenance audit', (on) => audit(a, c, 'maintenance', 88, on));
  await fileStep('MAINTENANCE_AUDIT', 'year-3 maintenance audit', (on) => audit(a, c, 'maintenance', 90, on));
  await fileStep('RECERTIFICATION_AUDIT', 'recertification audit passed', (on) =>
    certified('recertification', audit(a, c, 'recertification', 92, on)),
  );
  if (!refresherTaken) throw new Error('the refresher was not due before recertification');
  return c;
}
