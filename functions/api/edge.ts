/**
 * What the edge answers before any handler runs, as data: API Gateway's own responses (gateway responses), the
 * answers for requests that match no route, and the per-source-IP rate rules (AWS WAF in the stack). The Api
 * construct and the local gateway are both built from this table, so the bodies and limits are the same in AWS
 * and locally, and every one is the contract's error body.
 */
import type { ErrorCode } from './errors';

export interface EdgeAnswer {
  status: number;
  code: ErrorCode;
  message: string;
}

/** The API's stage: its URL is `https://<id>.execute-api.<region>.amazonaws.com/v1/` (locally, the root). */
export const STAGE_NAME = 'v1';

/** The bodies may not exceed this (the handlers check it; the firewall refuses larger ones before Lambda). */
export const MAX_BODY_BYTES = 64 * 1024;

/** A path no route serves, and a route's path with a method it does not serve. */
export const NO_ROUTE: EdgeAnswer = {
  status: 404,
  code: 'NOT_FOUND',
  message: 'there is no such route; the routes are listed in GET /openapi.json',
};
export const NO_METHOD: EdgeAnswer = {
  status: 405,
  code: 'NOT_FOUND',
  message: 'this route does not take that method; the routes are listed in GET /openapi.json',
};

/** A request API Gateway refuses as malformed (no request validators are configured, so rarely seen). */
const INVALID_REQUEST: EdgeAnswer = {
  status: 400,
  code: 'VALIDATION_FAILED',
  message: 'the request is not valid',
};

const SIGNED =
  'operations routes take requests signed with AWS SigV4 by an operations role (locally: Bearer <ops key>)';

/**
 * API Gateway's gateway responses (REST API), by type: what it answers itself when it refuses a request. The
 * types not listed fall under DEFAULT_4XX and DEFAULT_5XX.
 */
export const GATEWAY_RESPONSES = {
  // IAM routes (/ops/*) without a signature, with a malformed or wrong one, or an expired one: not allowed here.
  MISSING_AUTHENTICATION_TOKEN: { status: 403, code: 'FORBIDDEN', message: SIGNED },
  INVALID_SIGNATURE: { status: 403, code: 'FORBIDDEN', message: SIGNED },
  EXPIRED_TOKEN: { status: 403, code: 'FORBIDDEN', message: SIGNED },
  ACCESS_DENIED: { status: 403, code: 'FORBIDDEN', message: 'not allowed here' },
  UNAUTHORIZED: {
    status: 401,
    code: 'UNAUTHENTICATED',
    message: 'missing or unknown API key: send Authorization: Bearer <key>',
  },
  THROTTLED: {
    status: 429,
    code: 'THROTTLED',
    message: 'too many requests to the API just now; retry in a few seconds',
  },
  QUOTA_EXCEEDED: { status: 429, code: 'THROTTLED', message: 'too many requests; retry later' },
  REQUEST_TOO_LARGE: {
    status: 400,
    code: 'VALIDATION_FAILED',
    message: `the body must be at most ${MAX_BODY_BYTES / 1024} KB`,
  },
  BAD_REQUEST_BODY: INVALID_REQUEST,
  BAD_REQUEST_PARAMETERS: INVALID_REQUEST,
  UNSUPPORTED_MEDIA_TYPE: {
    status: 400,
    code: 'VALIDATION_FAILED',
    message: 'send the body as application/json',
  },
  RESOURCE_NOT_FOUND: NO_ROUTE,
  WAF_FILTERED: { status: 403, code: 'FORBIDDEN', message: 'the request was refused by the firewall' },
  DEFAULT_4XX: INVALID_REQUEST,
  DEFAULT_5XX: {
    status: 500,
    code: 'INTERNAL',
    message: 'an unexpected error occurred; it has been logged',
  },
} satisfies Record<string, EdgeAnswer>;

export type GatewayResponseType = keyof typeof GATEWAY_RESPONSES;

/** A per-source-IP rate rule: at most `limit` requests in any `windowSeconds`, for the routes listed (or all). */
export interface RateRule {
  name: string;
  limit: number;
  /** One of AWS WAF's evaluation windows: 60, 120, 300 or 600 seconds. */
  windowSeconds: 60 | 120 | 300 | 600;
  /** Route keys (`POST /companies`); absent: every request. */
  routes?: string[];
  answer: EdgeAnswer;
}

/**
 * The per-IP limits. Public writes that send email to an address the caller names (sign-up, sign-in) or take
 * a token are limited hardest: nobody can use the API to mail strangers in bulk (the per-address limits in the
 * handlers stop anyone mailing one person repeatedly). Every request is limited too, far above what a person or
 * an office behind one address sends.
 */
export const RATE_RULES: RateRule[] = [
  {
    name: 'PublicWritesPerIp',
    limit: 500,
    windowSeconds: 300,
    routes: ['POST /companies', 'POST /sign-in', 'POST /sessions'],
    answer: {
      status: 429,
      code: 'THROTTLED',
      message: 'too many sign-ups or sign-ins from your address; wait 5 minutes and try again',
    },
  },
  {
    name: 'AllRequestsPerIp',
    limit: 20_000,
    windowSeconds: 300,
    answer: {
      status: 429,
      code: 'THROTTLED',
      message: 'too many requests from your address; wait 5 minutes and try again',
    },
  },
];

/** The firewall's answer to a body over MAX_BODY_BYTES (before it reaches Lambda, whose payload limit is 6 MB). */
export const BODY_TOO_LARGE: EdgeAnswer = GATEWAY_RESPONSES.REQUEST_TOO_LARGE;

/** The contract's error body of an edge answer. */
export const edgeBody = (a: EdgeAnswer): string =>
  JSON.stringify({ error: { code: a.code, message: a.message } });
