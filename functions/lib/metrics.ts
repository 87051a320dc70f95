/**
 * Custom CloudWatch metrics of the lifecycle tasks: one shared Powertools Metrics instance writing the Embedded
 * Metric Format (EMF) to stdout, which CloudWatch Logs turns into metrics in the `SecorLifecycle` namespace.
 *
 * What is counted, and where:
 * - `CompaniesEnteringPhase` (dimension `Phase`): a flow, not a gauge. Each domain event that puts a company in a
 *   phase (REGISTERED, PHASE_ENTERED, LAPSED, CANCELLED, WITHDRAWN, WORKFLOW_FAILED) is counted once, when the
 *   workflow's notification watermark passes it (functions/lib/notify.ts) — so phase changes made by the API
 *   and by the workflow are counted alike, exactly once per conditional write. A true "companies per phase now"
 *   gauge would need a scheduled count over the byPhase index; not built (the ops list answers that question).
 * - `Lapses`, `Cancellations` (a certificate cancelled for a missed maintenance audit): from the same events.
 * - `RemindersSent`: each reminder email sent (not event notices).
 * - `SignalsDelivered`: outbox signals told to the workflow by the signalling function (functions/tasks/signal.ts).
 * - `ReconcilerRepairs` (dimension `Repair`): what the reconciler had to repair — a signal left pending, an active
 *   company without its execution (functions/tasks/reconcile.ts). Zero in a healthy system; alarmed.
 * - `CertificatesIssued` is emitted by the API when a passing audit issues one (functions/api/companies.ts);
 *   the tasks do not count it again.
 *
 * EMF means something only where CloudWatch Logs reads the function's output: in Lambda. Elsewhere (the local
 * runtime, which also sets POWERTOOLS_METRICS_DISABLED, and the unit tests) stored metrics are dropped at the
 * flush, so stdout carries log records only.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { HistoryEvent, Phase } from '../../domain';

export const METRICS_NAMESPACE = 'SecorLifecycle';
export const METRICS_SERVICE = 'secor-lifecycle';
/** The dimension of CompaniesEnteringPhase (besides Powertools' default `service`). */
export const PHASE_DIMENSION = 'Phase';

/** The custom metric names (the monitoring construct graphs these). */
export const METRIC_NAMES = {
  companiesEnteringPhase: 'CompaniesEnteringPhase',
  remindersSent: 'RemindersSent',
  certificatesIssued: 'CertificatesIssued',
  cancellations: 'Cancellations',
  lapses: 'Lapses',
  signalsDelivered: 'SignalsDelivered',
  reconcilerRepairs: 'ReconcilerRepairs',
  emailDelaySeconds: 'EmailDelaySeconds',
} as const;

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/** Phase entries counted since the last flush (each phase is published with its own dimension value). */
const phaseEntries = new Map<Phase, number>();

/** The phase a history event puts the company in, or null when the event is no phase change. */
export function phaseEnteredBy(event: HistoryEvent): Phase | null {
  switch (event.type) {
    case 'REGISTERED':
      return 'REGISTERED';
    case 'PHASE_ENTERED':
      return typeof event.details?.phase === 'string' ? (event.details.phase as Phase) : null;
    case 'LAPSED':
      return 'LAPSED';
    case 'CANCELLED':
      return 'CANCELLED';
    case 'WITHDRAWN':
      return 'WITHDRAWN';
    case 'WORKFLOW_FAILED':
      return 'FAILED';
    default:
      return null;
  }
}

/** Counts the phase entries, lapses and cancellations among `events` (each event must be counted once). */
export function countLifecycleEvents(events: readonly HistoryEvent[]): void {
  for (const event of events) {
    const phase = phaseEnteredBy(event);
    if (phase) phaseEntries.set(phase, (phaseEntries.get(phase) ?? 0) + 1);
    if (event.type === 'LAPSED') metrics.addMetric(METRIC_NAMES.lapses, MetricUnit.Count, 1);
    if (event.type === 'CANCELLED') metrics.addMetric(METRIC_NAMES.cancellations, MetricUnit.Count, 1);
  }
}

export function countSignalDelivered(): void {
  metrics.addMetric(METRIC_NAMES.signalsDelivered, MetricUnit.Count, 1);
}

/** The dimension of ReconcilerRepairs: what was repaired. */
export const REPAIR_DIMENSION = 'Repair';

/** What the reconciler repairs (the values of the Repair dimension). */
export const REPAIRS = ['pendingSignal', 'missingExecution'] as const;
export type Repair = (typeof REPAIRS)[number];
const repairs = new Map<Repair, number>();

export function countRepair(repair: Repair, count = 1): void {
  if (count > 0) repairs.set(repair, (repairs.get(repair) ?? 0) + count);
}

export function countReminderSent(): void {
  metrics.addMetric(METRIC_NAMES.remindersSent, MetricUnit.Count, 1);
}

/**
 * How long a company's emails have waited because the mail service refused them: published at each retry and
 * when they finally go (alarmed above an hour).
 */
export function countEmailDelay(ms: number): void {
  metrics.addMetric(METRIC_NAMES.emailDelaySeconds, MetricUnit.Seconds, Math.max(0, Math.round(ms / 1000)));
}

/** True where EMF output becomes metrics: inside Lambda. */
const inLambda = (): boolean => Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

/**
 * Publishes what was counted (call at the end of each task handler). Publishes nothing — and prints no
 * "No application metrics to publish" warning — when nothing was counted.
 */
export function flushMetrics(): void {
  const publish = inLambda();
  if (publish) {
    for (const [phase, count] of phaseEntries) {
      metrics
        .singleMetric()
        .addDimension(PHASE_DIMENSION, phase)
        .addMetric(METRIC_NAMES.companiesEnteringPhase, MetricUnit.Count, count);
    }
  }
  phaseEntries.clear();
  if (publish) {
    for (const [repair, count] of repairs) {
      metrics
        .singleMetric()
        .addDimension(REPAIR_DIMENSION, repair)
        .addMetric(METRIC_NAMES.reconcilerRepairs, MetricUnit.Count, count);
    }
  }
  repairs.clear();
  if (!metrics.hasStoredMetrics()) return;
  if (publish) metrics.publishStoredMetrics();
  else metrics.clearMetrics();
}
