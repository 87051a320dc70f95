/**
 * Read-your-writes, checked: a middleware on the handlers' DocumentClient (functions/lib/aws.ts) that watches
 * every company record (`COMPANY#…`/`PROFILE`) go by. Each record carries a version that every write bumps,
 * so a strongly consistent read must never return a version lower than one the process had already seen
 * written (or read) before the read was sent. Such a read is counted as stale, with the company and the two
 * versions. The lifecycle relies on this (every write is conditional on the version it read); the check is
 * how the benchmark holds the local DynamoDB to it.
 */
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/lib-dynamodb';
import type { InitializeHandler, InitializeHandlerArguments } from '@smithy/types';

type Versioned = { version?: unknown };

/** A value as the DocumentClient has it (plain) or as DynamoDB sends it ({S: …} / {N: …}). */
const plain = (v: unknown): string => {
  if (v && typeof v === 'object') {
    const a = v as { S?: string; N?: string };
    return a.S ?? a.N ?? '';
  }
  return v === undefined || v === null ? '' : String(v);
};

export interface StaleRead {
  companyKey: string;
  /** The version the read returned, and the highest one seen before it was sent. */
  read: number;
  floor: number;
}

export class ConsistencyMonitor {
  private readonly highest = new Map<string, number>();
  reads = 0;
  readonly stale: StaleRead[] = [];

  async attach(): Promise<void> {
    const { dynamo } = await import('../../functions/lib/aws');
    dynamo.middlewareStack.add(
      (next: InitializeHandler<ServiceInputTypes, ServiceOutputTypes>, context) =>
        async (args: InitializeHandlerArguments<ServiceInputTypes>) => {
          // The command is named as the client's own (GetItemCommand…); its values may or may not be
          // marshalled yet at this step, depending on the middleware order: read both forms.
          const command = String(context.commandName ?? '');
          const key = (args.input as { Key?: Record<string, unknown> }).Key;
          const pk = plain(key?.PK);
          if (plain(key?.SK) !== 'PROFILE' || !pk.startsWith('COMPANY#')) return next(args);
          const floor = this.highest.get(pk) ?? 0;
          const out = await next(args);
          const output = out.output as unknown as { Item?: Versioned; Attributes?: Versioned };
          const read = command === 'GetItemCommand';
          const version = Number(plain((read ? output.Item : output.Attributes)?.version) || NaN);
          if (Number.isFinite(version)) {
            if (read) {
              this.reads += 1;
              if (version < floor) this.stale.push({ companyKey: pk, read: version, floor });
            }
            if (version > (this.highest.get(pk) ?? 0)) this.highest.set(pk, version);
          }
          return out;
        },
      { step: 'initialize', name: 'secorBenchConsistency' },
    );
  }
}
