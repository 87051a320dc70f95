/**
 * The signalling function: the outbox's delivery. Fed by the table's DynamoDB stream (NEW_IMAGE, filtered to
 * company items that carry a pending `signal`), it tells the workflow what each committed change owes it
 * (functions/lib/outbox.ts) and clears the signal. A record that fails is reported as a batch item failure and
 * retried by the event source mapping (with backoff, then to the DLQ, which is alarmed); the reconciler repairs
 * whatever is left pending. The local runtime feeds this same handler stream-shaped records of the same items.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { countSignalDelivered, flushMetrics } from '../lib/metrics';
import { deliverSignal } from '../lib/outbox';
import { CompanyRepository } from '../lib/repositories/company';

const repo = new CompanyRepository();

/** The company id and signal id a stream record carries, or null when it carries no pending signal. */
export function signalOf(
  record: DynamoDBStreamEvent['Records'][number],
): { companyId: string; signalId: string } | null {
  const image = record.dynamodb?.NewImage;
  const companyId = image?.companyId?.S;
  const signalId = image?.signal?.M?.id?.S;
  if (image?.SK?.S !== 'PROFILE' || !companyId || !signalId) return null;
  return { companyId, signalId };
}

/**
 * The Lambda entry point. Lambda calls it with (event, context): only the event is passed on, so the context is
 * never taken for the clock (tests call `run` with their own clock).
 */
export const handler = (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => run(event);

/** The handler's work, at the time `clock` says. */
export async function run(event: DynamoDBStreamEvent, clock = systemClock): Promise<DynamoDBBatchResponse> {
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const s = signalOf(record);
    if (!s) continue;
    try {
      const outcome = await deliverSignal(repo, s.companyId, s.signalId, clock());
      if (outcome === 'delivered') countSignalDelivered();
      logger.info('signal', { companyId: s.companyId, outcome });
    } catch (e) {
      logger.warn('signal not delivered; retried', { companyId: s.companyId, error: (e as Error).name });
      // Stream records of one shard are in order: report this one and stop, the mapping retries from here.
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? record.eventID ?? '' });
      break;
    }
  }
  flushMetrics();
  return { batchItemFailures };
}
