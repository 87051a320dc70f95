/**
 * Signing in by email (API.md v1.1): `POST /sign-in` emails a one-time link to a company's contact or trainee,
 * `POST /sessions` exchanges the link's token for a session key (role company or trainee, at most 12 hours),
 * `DELETE /sessions/current` ends it. This is how people get in without an API key, and how a company that lost
 * its key gets a new one (sign in, then rotate). Sign-in always answers 202 `{}`: whether an address is known
 * is never told, and the per-address allowance (1 email per 5 minutes, 5 a day) is spent silently.
 */
import { randomBytes } from 'node:crypto';
import { config } from '../lib/env';
import { logger } from '../lib/logger';
import { sendEmail } from '../lib/mailer';
import { emailHash, secretHash, SessionRepository, type SessionRole } from '../lib/repositories/sessions';
import { renderSignIn } from '../notifications/templates';
import { clock, repo } from './company-service';
import { forbidden, HttpError } from './errors';
import { createApi, defineRoutes, type Ctx, type Reply } from './http';

/** A sign-in link works once, within this many minutes. */
export const SIGN_IN_TOKEN_MINUTES = 30;
/** A session lasts at most this many hours. */
export const SESSION_HOURS = 12;
/** Per address: at most one sign-in email per this many minutes, and SIGN_IN_EMAILS_PER_DAY a day. */
export const SIGN_IN_GAP_MINUTES = 5;
export const SIGN_IN_EMAILS_PER_DAY = 5;
/** An address may be the contact or trainee of several companies: a link for each, up to this many. */
const MAX_LINKS_PER_EMAIL = 3;

const sessions = new SessionRepository();
const secret = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;
const later = (now: string, ms: number) => new Date(Date.parse(now) + ms).toISOString();

/** Whether `email` is, on the current record, the company's contact or trainee (links may be stale). */
function currentAddress(
  company: { contact: { email: string }; trainee: { email: string } | null },
  role: SessionRole,
  email: string,
) {
  // The same normalisation the links are keyed by.
  const same = (a: string | undefined) => a !== undefined && emailHash(a) === emailHash(email);
  return role === 'company' ? same(company.contact.email) : same(company.trainee?.email);
}

async function signIn({ body }: Ctx<'POST /sign-in'>): Promise<Reply<'POST /sign-in'>> {
  const now = clock.now();
  const links = await sessions.linksOf(body.email, 10);
  const matches = [];
  for (const link of links) {
    const stored = await repo.load(link.companyId);
    if (stored && currentAddress(stored.company, link.role, body.email)) matches.push({ ...link, stored });
    if (matches.length >= MAX_LINKS_PER_EMAIL) break;
  }
  if (matches.length === 0) return { status: 202, body: {} };
  const allowed = await sessions.allowSignInEmail(
    body.email,
    now,
    SIGN_IN_GAP_MINUTES * 60_000,
    SIGN_IN_EMAILS_PER_DAY,
  );
  if (!allowed) {
    logger.info('sign-in email not sent: the address used its allowance');
    return { status: 202, body: {} };
  }
  for (const m of matches) {
    const token = secret('');
    const expiresAt = later(now, SIGN_IN_TOKEN_MINUTES * 60_000);
    await sessions.putSignInToken(secretHash(token), { role: m.role, companyId: m.companyId, expiresAt });
    // The portal (served at the API's root) reads the token from the fragment and calls POST /sessions.
    const link = `${config.publicApiUrl}/#sign-in=${token}`;
    // To the address as the record has it (not as typed).
    const to =
      m.role === 'company' ? m.stored.company.contact.email : (m.stored.company.trainee?.email ?? body.email);
    await sendEmail(
      to,
      renderSignIn({
        companyName: m.stored.company.legalName,
        role: m.role,
        link,
        validMinutes: SIGN_IN_TOKEN_MINUTES,
      }),
      { companyId: m.companyId, kind: 'signIn', recipient: m.role === 'trainee' ? 'trainee' : 'contact' },
    );
  }
  logger.info('sign-in links sent', { links: matches.length });
  return { status: 202, body: {} };
}

const invalidLink = () =>
  new HttpError(
    401,
    'UNAUTHENTICATED',
    'this sign-in link is not valid: it was used already or has expired; ask for a new one (POST /sign-in)',
  );

async function createSession({ body }: Ctx<'POST /sessions'>): Promise<Reply<'POST /sessions'>> {
  const now = clock.now();
  const token = await sessions.takeSignInToken(secretHash(body.token));
  if (!token || token.expiresAt <= now) throw invalidLink();
  const stored = await repo.load(token.companyId);
  if (!stored) throw invalidLink();
  const sessionKey = secret('secor_session_');
  const expiresAt = later(now, SESSION_HOURS * 3_600_000);
  await sessions.putSession(secretHash(sessionKey), {
    role: token.role,
    companyId: token.companyId,
    expiresAt,
  });
  return { status: 201, body: { sessionKey, role: token.role, companyId: token.companyId, expiresAt } };
}

async function endSession({
  principal,
}: Ctx<'DELETE /sessions/current'>): Promise<Reply<'DELETE /sessions/current'>> {
  const session =
    principal.role === 'company' || principal.role === 'trainee' ? principal.session : undefined;
  if (!session)
    throw forbidden('only a session (from a sign-in link) can be ended here; an API key is rotated instead');
  await sessions.deleteSession(session);
  return { status: 204, body: null };
}

export const routes = defineRoutes({
  'POST /sign-in': signIn,
  'POST /sessions': createSession,
  'DELETE /sessions/current': endSession,
});

export const handler = createApi(routes);
