/** Signing in by email and sessions (API.md v1.1). */
import { COMPANY_ID } from './examples';
import type { Operation } from './types';

export const ACCESS_OPERATIONS = {
  'POST /sign-in': {
    operationId: 'requestSignInLink',
    summary: 'Email a sign-in link',
    description:
      "Emails a sign-in link to the address if it is a company's contact or trainee (one link per company, " +
      'working once, for 30 minutes). Always 202 `{}`: it never tells whether an address is known. At most one ' +
      'email per address per 5 minutes and 5 a day; more requests are answered the same and send nothing.',
    tag: 'Access',
    roles: ['public'],
    request: 'SignIn',
    status: 202,
    response: 'Accepted',
    errors: [400, 429],
    example: { request: { email: 'owner@acme-roofing.example' }, response: {} },
  },
  'POST /sessions': {
    operationId: 'createSession',
    summary: 'Sign in with a link',
    description:
      'Exchanges the token of a sign-in link for a session key (the link then stops working). Use the key as ' +
      '`Authorization: Bearer <sessionKey>` until `expiresAt` (at most 12 hours): a contact acts as the company, ' +
      'a trainee reads its training and re-enrols. A used or expired token is 401.',
    tag: 'Access',
    roles: ['public'],
    request: 'SessionRequest',
    status: 201,
    response: 'SessionCreated',
    errors: [400, 401, 429],
    example: {
      request: { token: 'k3Jq9mZ0vQ1rT8sW2yX4zA6bC7dE5fG0hI1jK2lM3nO' },
      response: {
        sessionKey: 'secor_session_3q2-7wXyZbA1cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w',
        role: 'company',
        companyId: COMPANY_ID,
        expiresAt: '2027-01-04T03:00:00.000Z',
      },
    },
  },
  'DELETE /sessions/current': {
    operationId: 'endSession',
    summary: 'Sign out',
    description: 'Ends the session whose key authorizes this request: the key gets 401 from then on.',
    tag: 'Access',
    roles: ['company', 'trainee'],
    status: 204,
    response: 'NoContent',
    errors: [400, 401, 403, 429],
  },
} as const satisfies Record<string, Operation>;
