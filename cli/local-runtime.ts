/**
 * What only the local runtime (`npm start`) serves, on top of the API client: the virtual clock
 * (`/_local/clock`) and the SES outbox (aws-ses-v2-local's `GET /store`, on `SECOR_SES_PORT`, 8005 by default).
 */
import { localDateOf, timeZoneOf } from '../domain';
import { ApiClient, type Auth } from './api-client';

export interface OutboxEmail {
  destination: { to: string[] };
  subject: string;
  body?: { text?: string };
}

/** The outbox of the running local runtime: `http://127.0.0.1:${SECOR_SES_PORT:-8005}`. */
export const localSesUrl = () => `http://127.0.0.1:${process.env.SECOR_SES_PORT ?? 8005}`;

/** Every email the outbox holds, oldest first. */
export async function outbox(sesUrl: string): Promise<OutboxEmail[]> {
  const res = await fetch(`${sesUrl}/store`);
  return ((await res.json()) as { emails: OutboxEmail[] }).emails;
}

export class LocalRuntimeClient extends ApiClient {
  constructor(baseUrl: URL | string, auth: Auth = 'none') {
    super(baseUrl, auth);
  }

  /** Whether a local runtime answers at the base URL (its virtual clock does). */
  async reachable(): Promise<boolean> {
    try {
      return (await this.call('GET', '/_local/clock')).status === 200;
    } catch {
      return false;
    }
  }

  /** Moves the virtual clock forward; returns when everything due by then has run. */
  async advance(days: number): Promise<string> {
    return (await this.ok<{ now: string }>('POST', '/_local/clock', { advanceDays: days })).now;
  }

  async now(): Promise<string> {
    return (await this.ok<{ now: string }>('GET', '/_local/clock')).now;
  }

  /** The virtual clock's date in a province (Alberta unless told): the date a company there sees. */
  async today(region = 'AB'): Promise<string> {
    return localDateOf(await this.now(), timeZoneOf(region));
  }
}
