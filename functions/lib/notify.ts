/**
 * Sends the emails a company's record calls for (event notices and due reminders), at least once each, and in
 * all but one case exactly once. Every (notice, recipient) is claimed with a conditional write before it is
 * sent (`claimedAt`, a lease of NOTICE_LEASE_MS, longer than any function runs), marked `sentAt` once SES
 * accepts it, and released if SES refuses it. An attempt that finds a claim without `sentAt`:
 * - within its lease (another attempt may be sending it): sends the rest, then fails with NoticeInFlightError
 *   before the record notes the notices as sent, so the workflow retries it after the lease;
 * - past its lease (the claiming attempt died before SES accepted, e.g. a timeout or a crash): takes the claim
 *   over and sends the email.
 * A claim with `sentAt` is never sent again. So an email goes out twice only if SES accepted it and the write
 * marking it sent then failed or never happened (the function died between the two), and the record was not
 * updated either: a later attempt takes the expired claim over and sends it again.
 */
import { randomUUID } from 'node:crypto';
import {
  decide,
  eventsNotified,
  noticesDue,
  policies,
  type Company,
  type Notice,
  type Recipient,
} from '../../domain';
import { config } from './env';
import { logger } from './logger';
import { sendEmail } from './mailer';
import { countLifecycleEvents, countReminderSent } from './metrics';
import { renderNotice } from '../notifications/templates';
import type { CompanyRepository } from './repositories/company';
import type { StoredCompany } from './repositories/company-items';

const CLAIM_TTL_SECONDS = 400 * 86_400;

/** How long a claim is its claimer's: longer than the functions' timeout (30 s) and a task's (60 s). */
export const NOTICE_LEASE_MS = 120_000;

/** Emails claimed by another attempt that has not sent them yet: retried (workflows/retries.ts). */
export class NoticeInFlightError extends Error {
  constructor(
    readonly companyId: string,
    readonly claimKeys: string[],
  ) {
    super(`company ${companyId}: ${claimKeys.length} email(s) claimed by another attempt and not yet sent`);
    this.name = 'NoticeInFlightError';
  }
}

export function recipientAddress(company: Company, recipient: Recipient): string | null {
  switch (recipient) {
    case 'trainee':
      return company.trainee?.email ?? null;
    case 'contact':
      return company.contact.email;
    case 'ops':
      return config.opsEmail;
  }
}

export interface NotifyResult {
  stored: StoredCompany;
  sent: number;
}

export async function sendDueNotices(
  repo: CompanyRepository,
  stored: StoredCompany,
  now: string,
): Promise<NotifyResult> {
  const company = stored.company;
  const notices: Notice[] = noticesDue(company, policies.forRegion(company.region), now);
  if (notices.length === 0) return { stored, sent: 0 };
  const nowMs = Date.parse(now);
  const expiresAt = Math.floor(nowMs / 1000) + CLAIM_TTL_SECONDS;
  // This attempt's name on its claims: if its own claim write landed but the SDK retried it (the response was
  // lost) and the retry was refused, the claim is still recognised as this attempt's and the email goes out.
  const owner = randomUUID();
  const lease = { now: nowMs, ms: NOTICE_LEASE_MS, owner };
  const inFlight: string[] = [];
  let sent = 0;
  for (const notice of notices) {
    const addresses = new Set<string>();
    for (const recipient of new Set(notice.recipients)) {
      const to = recipientAddress(company, recipient);
      // One email per address: a trainee who is also the contact gets a notice once.
      if (!to || addresses.has(to.toLowerCase())) continue;
      addresses.add(to.toLowerCase());
      const claimKey = `${notice.key}|${recipient}`;
      if (!(await repo.claimNotification(company.companyId, claimKey, expiresAt, lease))) {
        const claim = await repo.notificationClaim(company.companyId, claimKey);
        // Sent, or claimed before claims had leases (then never taken over): not sent again.
        if (claim && (claim.sentAt !== undefined || claim.claimedAt === undefined)) continue;
        if (claim?.owner !== owner) {
          inFlight.push(claimKey);
          continue;
        }
      }
      try {
        await sendEmail(to, renderNotice(notice, company, recipient, config.publicApiUrl), {
          companyId: company.companyId,
          kind: notice.kind,
          recipient,
        });
      } catch (e) {
        await repo.releaseNotification(company.companyId, claimKey, owner);
        throw e;
      }
      sent += 1;
      if (notice.kind === 'reminder') countReminderSent();
      await markSent(repo, company.companyId, claimKey, nowMs, expiresAt);
    }
  }
  if (inFlight.length > 0) throw new NoticeInFlightError(company.companyId, inFlight);
  const through = company.history.length;
  const reminderKeys = notices.filter((n) => n.kind === 'reminder').map((n) => n.key);
  // `through` is a position in the history this task read; historyDropped says how far a later cut moved it.
  const historyDropped = company.historyDropped ?? 0;
  let before: Company = company;
  const { stored: after } = await repo.mutate(company.companyId, (s) => {
    before = s.company;
    return decide(
      s.company,
      { type: 'recordNotifications', through, historyDropped, reminderKeys },
      { now, by: 'system' },
    );
  });
  // The events this write moved the watermark past: each is counted once (the write is conditional).
  countLifecycleEvents(eventsNotified(before, after.company));
  return { stored: after, sent };
}

/**
 * Marks a sent email's claim. Should the write fail, the email is sent all the same: the task goes on and
 * notes it on the record, after which it is never due again (it would be sent twice only if that write failed
 * too, and a later attempt found the claim expired).
 */
async function markSent(
  repo: CompanyRepository,
  companyId: string,
  claimKey: string,
  sentAt: number,
  expiresAt: number,
): Promise<void> {
  try {
    await repo.markNotificationSent(companyId, claimKey, sentAt, expiresAt);
  } catch (e) {
    logger.warn('email sent, but its claim could not be marked sent', {
      companyId,
      claimKey,
      error: (e as Error).name,
    });
  }
}
