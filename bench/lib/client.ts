/**
 * The benchmarks' client of the local API: the shared API client (cli/api-client.ts) with the local runtime's
 * virtual clock, a count of the API requests sent, and a concurrency pool.
 */
import { ApiError, type Json, type Reply } from '../../cli/api-client';
import { LocalRuntimeClient, outbox } from '../../cli/local-runtime';

export type { Json, Reply };

export class ApiClient extends LocalRuntimeClient {
  /** Requests this client sent to the API (not counting the virtual clock). */
  requests = 0;

  constructor(readonly base: string) {
    super(base);
  }

  override async call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
    query?: Json,
  ): Promise<Reply<T>> {
    if (!path.startsWith('/_local/')) this.requests += 1;
    return super.call<T>(method, path, body, key, query);
  }

  /** A call that must succeed (2xx); throws with the method, the path and the response otherwise. */
  override async ok<T = Json>(method: string, path: string, body?: unknown, key?: string, query?: Json) {
    try {
      return await super.ok<T>(method, path, body, key, query);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      throw new Error(`${method} ${path} → ${e.status} ${e.code}: ${e.message}`, { cause: e });
    }
  }

  /** Advances the clock to `date` (same time of day); settles when the date is today or past. */
  async advanceTo(date: string): Promise<void> {
    const days = daysBetween(await this.today(), date);
    await this.advance(Math.max(0, days));
  }
}

export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

export const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Runs `fn` over `items` with at most `concurrency` in flight; the first error rejects. */
export async function pool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export async function emailCount(sesUrl: string): Promise<number> {
  return (await outbox(sesUrl)).length;
}
