/**
 * Item 6: the operations query for overdue companies (`GET /ops/companies?overdue=true`, every page) must read
 * the overdue companies, not the table: the items it reads stay flat when the number of companies grows ten
 * times and the number of overdue ones does not.
 *
 * The table is seeded directly (uncounted BatchWriteItem) with company items as the repository writes them
 * (keys, index attributes): `overdue` companies whose deadline passed 1–30 days ago, spread over the active
 * phases, and `base` (then 10 × `base`) companies in the same phases with a deadline 1–365 days ahead. The
 * query runs through the HTTP API; the meter counts what the ops handler reads (items and read units).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { addDays, ApiClient } from './lib/client';
import { childMain, progress, round } from './lib/child';
import { Meter } from './lib/meter';

export interface OverdueOptions {
  base: number;
  overdue: number;
}

export interface OverdueMeasurement {
  companies: number;
  overdue: number;
  returned: number;
  pages: number;
  itemsRead: number;
  readUnits: number;
  queries: number;
  ms: number;
}

export interface OverdueResult {
  base: number;
  overdue: number;
  runs: OverdueMeasurement[];
  /** itemsRead at 10× / itemsRead at 1×. */
  growth: number;
}

const PHASES: [string, string][] = [
  ['REGISTERED', 'DESIGNATE_TRAINEE'],
  ['TRAINING', 'TRAINING_EXAM'],
  ['IMPLEMENTATION', 'PROGRAM_SUBMISSION'],
  ['CERTIFICATION_AUDIT', 'CERTIFICATION_AUDIT'],
  ['MAINTENANCE', 'MAINTENANCE_AUDIT'],
  ['RECERTIFICATION', 'RECERTIFICATION_AUDIT'],
];

async function seed(table: string, today: string, count: number, overdue: boolean, offset: number) {
  const raw = new DynamoDBClient({});
  const requests: WriteRequest[] = [];
  for (let i = 0; i < count; i++) {
    const companyId = `c${randomBytes(10).toString('hex')}`;
    const [phase, step] = PHASES[(offset + i) % PHASES.length] as [string, string];
    const dueOn = addDays(today, overdue ? -(1 + (i % 30)) : 1 + (i % 365));
    requests.push({
      PutRequest: {
        Item: {
          PK: { S: `COMPANY#${companyId}` },
          SK: { S: 'PROFILE' },
          companyId: { S: companyId },
          legalName: { S: `Seeded Company ${offset + i} Ltd.` },
          region: { S: 'AB' },
          phase: { S: phase },
          nextStep: { S: step },
          nextDueOn: { S: dueOn },
          gsiPhase: { S: phase },
          gsiDue: { S: `${dueOn}#${companyId}` },
          version: { N: '1' },
        },
      },
    });
  }
  for (let i = 0; i < requests.length; i += 25) {
    let batch: WriteRequest[] | undefined = requests.slice(i, i + 25);
    while (batch?.length) {
      const out: BatchWriteItemCommandOutput = await raw.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: batch } }),
      );
      batch = out.UnprocessedItems?.[table];
    }
  }
}

async function overdueQuery(options: OverdueOptions): Promise<OverdueResult> {
  const meter = new Meter({ precise: false });
  meter.patchRuntime();
  const { startRuntime, TABLE_NAME } = await import('../local/start');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'secor-bench-overdue-'));
  const rt = await startRuntime({ port: 0, sesPort: 0, dataDir, quiet: true });
  try {
    meter.attachDynamo(rt.functions.functions);
    const api = new ApiClient(rt.apiUrl);
    const today = await api.today();
    const runs: OverdueMeasurement[] = [];
    let companies = 0;
    await seed(TABLE_NAME, today, options.overdue, true, 0);
    for (const target of [options.base, options.base * 10]) {
      progress(`overdue: seeding to ${target} companies (${options.overdue} overdue)`);
      await seed(TABLE_NAME, today, target - companies, false, companies);
      companies = target;
      // One unmeasured pass (module load, caches), then the measured one.
      for (const measured of [false, true]) {
        meter.reset();
        meter.counting = measured;
        const t0 = performance.now();
        let cursor: string | undefined;
        let returned = 0;
        let pages = 0;
        do {
          const page = await api.ok<{ items: unknown[]; cursor?: string }>(
            'GET',
            `/ops/companies?overdue=true&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
            undefined,
            rt.opsKey,
          );
          returned += page.items.length;
          pages += 1;
          cursor = page.cursor;
        } while (cursor);
        const ms = performance.now() - t0;
        meter.counting = false;
        if (!measured) continue;
        const snap = meter.snapshot();
        const ops = snap.dynamo.byModule['functions/api/ops.ts'] ?? { itemsRead: 0, readUnits: 0 };
        runs.push({
          companies: companies + options.overdue,
          overdue: options.overdue,
          returned,
          pages,
          itemsRead: ops.itemsRead,
          readUnits: ops.readUnits,
          queries: snap.dynamo.commands.QueryCommand ?? 0,
          ms: round(ms, 1),
        });
      }
    }
    const [one, ten] = runs as [OverdueMeasurement, OverdueMeasurement];
    return {
      base: options.base,
      overdue: options.overdue,
      runs,
      growth: round(ten.itemsRead / Math.max(1, one.itemsRead), 2),
    };
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) childMain(overdueQuery);
