import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ses } from './aws';
import { config } from './env';
import type { RenderedEmail } from '../notifications/templates';

/** Sends one email through SES (v2), tagged with the company id for bounce/complaint feedback. */
export async function sendEmail(
  to: string,
  email: RenderedEmail,
  tags: Record<string, string> = {},
): Promise<string> {
  const out = await ses.send(
    new SendEmailCommand({
      // "SECOR Certification <address>": the display name is quoted, so any punctuation in it is safe.
      FromEmailAddress: `"${config.senderName.replace(/["\\\r\n]/g, '')}" <${config.senderAddress}>`,
      Destination: { ToAddresses: [to] },
      ...(config.replyToAddress ? { ReplyToAddresses: [config.replyToAddress] } : {}),
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: email.text, Charset: 'UTF-8' },
            Html: { Data: email.html, Charset: 'UTF-8' },
          },
        },
      },
      ConfigurationSetName: config.configurationSet,
      EmailTags: Object.entries(tags).map(([Name, Value]) => ({
        Name,
        Value: Value.replace(/[^A-Za-z0-9_-]/g, '_'),
      })),
    }),
  );
  return out.MessageId ?? '';
}
