/** A small HTTP client for the local API (as the demo and the e2e tests call it), and a concurrency pool. */

export type Json = Record<string, unknown>;

export interface Reply<T> {
  status: number;
  body: T;
}

export class ApiClient {
  /** Requests this client sent to the API (not counting the virtual clock). */
  requests = 0;

  constructor(readonly base: string) {}

  async call<T = Json>(method: string, path: string, body?: unknown, key?: string): Promise<Reply<T>> {
    if (!path.startsWith('/_local/')) this.requests += 1;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** A call that must succeed (2xx); throws with the response otherwise. */
  async ok<T = Json>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
    const res = await this.call<T>(method, path, body, key);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Moves the virtual clock forward; returns when everything due by then has run. */
  async advance(days: number): Promise<string> {
    return (await this.ok<{ now: string }>('POST', '/_local/clock', { advanceDays: days })).now;
  }

  async now(): Promise<string> {
    return (await this.ok<{ now: string }>('GET', '/_local/clock')).now;
  }

  async today(): Promise<string> {
    return (await this.now()).slice(0, 10);
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
  const res = await fetch(`${sesUrl}/store`);
  return ((await res.json()) as { emails: unknown[] }).emails.length;
}
