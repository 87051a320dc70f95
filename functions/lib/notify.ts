/**
 * Sends the emails a company's record calls for (event notices and due reminders), exactly once each: every
 * (notice, recipient) is claimed with a conditional write before it is sent, and released if SES refuses it.
 */
import { decide, noticesDue, policies, type Company, type Notice, type Recipient } from '../../domain';
import { config } from './env';
import { sendEmail } from './mailer';
import { countLifecycleEvents, countReminderSent } from './metrics';
import { renderNotice } from '../notifications/templates';
import type { CompanyRepository, StoredCompany } from './repository';

const CLAIM_TTL_SECONDS = 400 * 86_400;

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
  const expiresAt = Math.floor(Date.parse(now) / 1000) + CLAIM_TTL_SECONDS;
  let sent = 0;
  for (const notice of notices) {
    const addresses = new Set<string>();
    for (const recipient of new Set(notice.recipients)) {
      const to = recipientAddress(company, recipient);
      // One email per address: a trainee who is also the contact gets a notice once.
      if (!to || addresses.has(to.toLowerCase())) continue;
      addresses.add(to.toLowerCase());
      const claimKey = `${notice.key}|${recipient}`;
      if (!(await repo.claimNotification(company.companyId, claimKey, expiresAt))) continue;
      try {
        await sendEmail(to, renderNotice(notice, company, recipient, config.publicApiUrl), {
          companyId: company.companyId,
          kind: notice.kind,
          recipient,
        });
        sent += 1;
        if (notice.kind === 'reminder') countReminderSent();
      } catch (e) {
        await repo.releaseNotification(company.companyId, claimKey);
        throw e;
      }
    }
  }
  const through = company.history.length;
  const reminderKeys = notices.filter((n) => n.kind === 'reminder').map((n) => n.key);
  let watermark = 0;
  const { stored: after } = await repo.mutate(company.companyId, (s) => {
    watermark = s.company.notifiedThrough ?? 0;
    return decide(s.company, { type: 'recordNotifications', through, reminderKeys }, { now, by: 'system' });
  });
  // The events this write moved the watermark past: each is counted once (the write is conditional).
  countLifecycleEvents(after.company.history.slice(watermark, after.company.notifiedThrough ?? 0));
  return { stored: after, sent };
}
