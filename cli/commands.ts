/**
 * The ops CLI's commands (commander): each one a few requests to the ops API through the shared client, then a
 * table for people or `--json` for scripts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { PHASES } from '../domain/types';
import { ApiClient, type Json } from './api-client';
import { describeStatus, out, printFields, printJson, printTable, type Status } from './output';

interface GlobalOptions {
  apiUrl?: string;
  opsKey?: string;
  json?: boolean;
}

export interface CompanyItem {
  companyId: string;
  legalName: string;
  region: string;
  phase: string;
  maintenanceYear?: number;
  nextDeadline: { step: string; dueOn: string } | null;
  overdue: boolean;
}

export interface ExecutionItem {
  name: string;
  executionArn: string;
  phase: string;
  status: string;
  startedAt?: string;
  stoppedAt?: string;
}

export interface HistoryItem {
  timestamp?: string;
  type: string;
  state?: string;
}

const companyPath = (id: string) => `/ops/companies/${encodeURIComponent(id)}`;

/** Every page of `GET /ops/companies`, filtered (the region here: the API has no region filter). */
export async function list(
  client: ApiClient,
  options: { phase?: string; overdue?: boolean; region?: string; limit?: number },
): Promise<CompanyItem[]> {
  const region = options.region?.toUpperCase();
  const items: CompanyItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.ok<{ items: CompanyItem[]; cursor?: string }>(
      'GET',
      '/ops/companies',
      undefined,
      undefined,
      {
        phase: options.phase,
        overdue: options.overdue ? 'true' : undefined,
        // The API has no region filter: fetch whole pages and filter here.
        limit: region ? 500 : Math.min(500, (options.limit ?? Infinity) - items.length),
        cursor,
      },
    );
    items.push(...page.items.filter((c) => !region || c.region === region));
    cursor = page.cursor;
  } while (cursor && items.length < (options.limit ?? Infinity));
  return options.limit ? items.slice(0, options.limit) : items;
}

/** The `ops` program; it throws CommanderError on bad usage (exitOverride). */
export function program(): Command {
  const cli = new Command('ops')
    .description('SECOR operations: a client of the ops API (local runtime by default, AWS with --api-url)')
    .option('--api-url <url>', 'API base URL (default: the local runtime, http://127.0.0.1:$SECOR_PORT)')
    .option('--ops-key <key>', 'ops key (default: $SECOR_DATA_DIR/ops-key locally; SigV4 with --api-url)')
    .option('--json', 'print JSON (for scripts) instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run =
    <A extends unknown[]>(fn: (client: ApiClient, json: boolean, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const globals = cli.opts<GlobalOptions>();
      await fn(ApiClient.forOps(globals), globals.json === true, ...args);
    };

  cli
    .command('list')
    .description('list companies, every page (optionally by phase, overdue only, by region)')
    .addOption(new Option('--phase <phase>', 'only this phase').choices(PHASES))
    .option('--overdue', 'only companies whose deadline has passed and was not escalated yet')
    .option('--region <region>', 'only this region (AB, BC, …)')
    .option('--limit <n>', 'at most this many companies', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
      return n;
    })
    .action(
      run(
        async (
          client,
          json,
          options: { phase?: string; overdue?: boolean; region?: string; limit?: number },
        ) => {
          const items = await list(client, options);
          if (json) return printJson({ items });
          printTable(
            items.map((c) => ({
              ...c,
              phase: c.maintenanceYear ? `${c.phase} (year ${c.maintenanceYear})` : c.phase,
              step: c.nextDeadline?.step,
              dueOn: c.nextDeadline?.dueOn,
              overdue: c.overdue ? 'OVERDUE' : '',
            })),
            [
              ['companyId', 'COMPANY'],
              ['legalName', 'LEGAL NAME'],
              ['region', 'REGION'],
              ['phase', 'PHASE'],
              ['step', 'NEXT STEP'],
              ['dueOn', 'DUE ON'],
              ['overdue', 'OVERDUE'],
            ],
          );
          out(`${items.length} compan${items.length === 1 ? 'y' : 'ies'}`);
        },
      ),
    );

  cli
    .command('status')
    .description("a company's status")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const s = await client.ok<Status>('GET', companyPath(id));
        if (json) return printJson(s);
        printFields(describeStatus(s));
      }),
    );

  cli
    .command('executions')
    .description("a company's phase executions")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const r = await client.ok<{ items: ExecutionItem[] }>('GET', `${companyPath(id)}/executions`);
        if (json) return printJson(r);
        printTable(r.items as unknown as Json[], [
          ['name', 'EXECUTION'],
          ['phase', 'PHASE'],
          ['status', 'STATUS'],
          ['startedAt', 'STARTED'],
          ['stoppedAt', 'STOPPED'],
        ]);
      }),
    );

  cli
    .command('history')
    .description("a company's events and, per execution, its state-by-state history")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const status = await client.ok<Status>('GET', companyPath(id));
        const { items } = await client.ok<{ items: ExecutionItem[] }>('GET', `${companyPath(id)}/executions`);
        const executions = [];
        for (const e of items) {
          const h = await client.ok<{ items: HistoryItem[] }>(
            'GET',
            `${companyPath(id)}/executions/${encodeURIComponent(e.name)}/history`,
          );
          executions.push({ ...e, history: h.items });
        }
        if (json) return printJson({ companyId: status.companyId, events: status.history, executions });
        out(`Events of ${status.companyId} (${status.legalName})`);
        printTable(
          status.history.map((e) => ({ ...e, details: 'details' in e ? e.details : undefined })),
          [
            ['at', 'AT'],
            ['type', 'EVENT'],
            ['by', 'BY'],
            ['details', 'DETAILS'],
          ],
        );
        for (const e of executions) {
          out();
          out(`Execution ${e.name}: ${e.status}${e.startedAt ? `, started ${e.startedAt}` : ''}`);
          if (!e.history.length) out('  (no history: not started, or not kept across a local restart)');
          else
            printTable(e.history as unknown as Json[], [
              ['timestamp', 'AT'],
              ['type', 'EVENT'],
              ['state', 'STATE'],
            ]);
        }
      }),
    );

  cli
    .command('redrive')
    .description("restart a FAILED company's phase in a new execution")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const r = await client.ok<{ companyId: string; phase: string; execution: string }>(
          'POST',
          `${companyPath(id)}/redrive`,
          {},
        );
        if (json) return printJson(r);
        out(`Redriven: ${r.companyId} is back in ${r.phase}, execution ${r.execution}`);
      }),
    );

  cli
    .command('remind')
    .description("send the current step's reminder now")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const r = await client.ok<{ companyId: string; step: string; dueOn: string; sent: number }>(
          'POST',
          `${companyPath(id)}/reminders`,
          {},
        );
        if (json) return printJson(r);
        out(`Reminder for ${r.step} (due ${r.dueOn}) sent to ${r.sent} recipient(s) of ${r.companyId}`);
      }),
    );

  const assessor = cli.command('assessor').description('assessors (training providers, auditors)');
  assessor
    .command('create')
    .description('issue an assessor key (shown once)')
    .requiredOption('--name <name>', "the assessor's name")
    .requiredOption('--email <email>', "the assessor's email")
    .action(
      run(async (client, json, options: { name: string; email: string }) => {
        const r = await client.ok<{ assessorId: string; apiKey: string }>('POST', '/ops/assessors', {
          name: options.name,
          email: options.email,
        });
        if (json) return printJson(r);
        printFields([
          ['assessor', r.assessorId],
          ['API key', r.apiKey],
        ]);
        out('The key is shown once: hand it to the assessor now.');
      }),
    );

  return cli;
}
