/**
 * The polling anchor's check task (bench/polling/definition.ts): reads the company record (strongly
 * consistent, as a design deciding from it must) and works out what the record calls for today — the
 * reminders and event emails due (domain `noticesDue`), which such a design would send — and whether the
 * company has left the program. It sends nothing: the emails are the same in both designs and are counted once,
 * from the lifecycle. Runs in the benchmark's process, with its own DynamoDB client (its reads are counted
 * here, not by the meter).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { isActivePhase, noticesDue, policies, type Company } from '../../domain';
import { documentItemSize, readUnits } from '../lib/size';
import type { PollState } from './definition';

export interface CheckTally {
  invocations: number;
  /** Each invocation's duration (ms), from the call to the settling of its promise. */
  durationsMs: number[];
  reads: number;
  readUnits: number;
  /** Notices the record called for, summed over the checks (a design that sends them would send them once). */
  noticesSeen: number;
}

export const emptyCheckTally = (): CheckTally => ({
  invocations: 0,
  durationsMs: [],
  reads: 0,
  readUnits: 0,
  noticesSeen: 0,
});

/** The check handler over `tableName`; what it does is added to `tally`. Call after the runtime has started. */
export function checkHandler(tableName: string, tally: CheckTally): (input: PollState) => Promise<PollState> {
  // The runtime's own environment points the default client at the local DynamoDB.
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return async (input) => {
    const t0 = performance.now();
    try {
      const out = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { PK: `COMPANY#${input.companyId}`, SK: 'PROFILE' },
          ConsistentRead: true,
        }),
      );
      tally.reads += 1;
      tally.readUnits += readUnits(documentItemSize(out.Item), true);
      const company = out.Item?.record as Company | undefined;
      const done = !company || !isActivePhase(company.phase);
      const due =
        company && !done
          ? noticesDue(company, policies.forRegion(company.region), new Date().toISOString())
          : [];
      tally.noticesSeen += due.length;
      return { ...input, polls: input.polls + 1, done, noticesDue: due.length };
    } finally {
      tally.invocations += 1;
      tally.durationsMs.push(performance.now() - t0);
    }
  };
}
