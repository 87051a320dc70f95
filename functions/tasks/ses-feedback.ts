/**
 * SES feedback (EventBridge rule on the configuration set's BOUNCE and COMPLAINT events): records the bounce or
 * complaint on the company the email was about, so staff see in its status and in the ops list that its
 * reminders are not arriving. The email carries the tags `companyId`, `kind` and `recipient`
 * (functions/lib/mailer.ts); SES publishes them as `detail.mail.tags.<name>[0]`.
 *
 * Feedback that cannot be attributed (no tags, an unknown company) is logged and dropped, never retried: a
 * retry could not make it attributable. The record keeps the recipient's role and a short reason, never the
 * address (which SES puts in bouncedRecipients / complainedRecipients / diagnosticCode: none of them is read).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { decide, isDomainError, type EmailFeedback, type Recipient } from '../../domain';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { CompanyRepository } from '../lib/repositories/company';
import { NotFoundError } from '../lib/repositories/errors';

const repo = new CompanyRepository();

/**
 * An SES event-publishing record (the `detail` of the EventBridge event), the fields of bounces and complaints.
 * The handler reads the event type, the mail's id and tags, and the bounce / complaint types; the fields that
 * hold addresses are typed here only to say so.
 */
export interface SesFeedbackDetail {
  eventType: string;
  mail?: {
    timestamp?: string;
    messageId?: string;
    /** An address: not read. */
    source?: string;
    /** Addresses: not read. */
    destination?: string[];
    tags?: Record<string, string[] | undefined>;
  };
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    /** emailAddress and diagnosticCode hold addresses: only the SMTP status is read. */
    bouncedRecipients?: {
      emailAddress?: string;
      action?: string;
      status?: string;
      diagnosticCode?: string;
    }[];
    timestamp?: string;
    feedbackId?: string;
    reportingMTA?: string;
  };
  complaint?: {
    /** Addresses: not read. */
    complainedRecipients?: { emailAddress?: string }[];
    complaintFeedbackType?: string;
    complaintSubType?: string | null;
    timestamp?: string;
    feedbackId?: string;
  };
}

export type SesFeedbackEvent = EventBridgeEvent<string, SesFeedbackDetail>;

export type FeedbackOutcome = 'recorded' | 'duplicate' | 'ignored';

const RECIPIENTS: readonly Recipient[] = ['trainee', 'contact', 'ops'];

const tag = (detail: SesFeedbackDetail, name: string): string | undefined => detail.mail?.tags?.[name]?.[0];

/** A short, address-free reason: the bounce type and SMTP status, or the complaint's feedback type. */
function reasonOf(feedback: EmailFeedback, detail: SesFeedbackDetail): string {
  if (feedback === 'bounce') {
    const b = detail.bounce ?? {};
    const status = b.bouncedRecipients?.find((r) => r.status)?.status;
    const words = [
      `${b.bounceType ?? 'Unknown'} bounce`,
      b.bounceSubType ? `(${b.bounceSubType})` : '',
      status && /^\d\.\d{1,3}\.\d{1,3}$/.test(status) ? `status ${status}` : '',
    ];
    return words.filter(Boolean).join(' ');
  }
  const c = detail.complaint ?? {};
  const type = c.complaintFeedbackType ?? c.complaintSubType ?? 'unspecified';
  return `complaint (${type})`;
}

/**
 * The Lambda entry point. Lambda calls it with (event, context): only the event is passed on, so the context is
 * never taken for the clock (tests call `run` with their own clock).
 */
export const handler = (event: SesFeedbackEvent): Promise<FeedbackOutcome> => run(event);

/** The handler's work, at the time `clock` says. */
export async function run(event: SesFeedbackEvent, clock = systemClock): Promise<FeedbackOutcome> {
  const detail = event.detail;
  const feedback: EmailFeedback | null =
    detail.eventType === 'Bounce' ? 'bounce' : detail.eventType === 'Complaint' ? 'complaint' : null;
  const companyId = tag(detail, 'companyId');
  const recipient = tag(detail, 'recipient') as Recipient | undefined;
  const kind = tag(detail, 'kind');
  const messageId = detail.mail?.messageId;
  const context = { eventType: detail.eventType, companyId, recipient, kind, messageId };
  if (!feedback || !companyId || !recipient || !RECIPIENTS.includes(recipient)) {
    logger.warn('SES feedback not attributable to a company recipient: ignored', context);
    return 'ignored';
  }
  try {
    const { decision } = await repo.mutate(companyId, (s) => {
      try {
        return decide(
          s.company,
          {
            type: 'recordEmailFeedback',
            feedback,
            recipient,
            detail: reasonOf(feedback, detail),
            ...(messageId ? { messageId } : {}),
          },
          { now: clock(), by: 'system' },
        );
      } catch (e) {
        if (isDomainError(e)) return null; // this message's feedback is already recorded (a redelivery)
        throw e;
      }
    });
    if (!decision) {
      logger.info('SES feedback already recorded', context);
      return 'duplicate';
    }
    logger.info('SES feedback recorded', { ...context, feedback });
    return 'recorded';
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    logger.warn('SES feedback for an unknown company: ignored', context);
    return 'ignored';
  }
}
