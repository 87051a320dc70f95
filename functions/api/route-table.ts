/**
 * The HTTP routes of API.md: which handler module serves each, and how it is authorized. The CDK Api
 * construct and the local API gateway are both built from this table.
 */
/** How a route is authorized: none (public), the Lambda authorizer (keys), or IAM (/ops/* in AWS). */
export type RouteAuth = 'none' | 'key' | 'iam';

export interface RouteBinding {
  routeKey: string;
  auth: RouteAuth;
  /** Module path relative to the repository root, and its exported handler. */
  module: string;
}

const COMPANIES = 'functions/api/companies.ts';
const OPS = 'functions/api/ops.ts';
const ACCESS = 'functions/api/access.ts';

/** Every route of API.md, its module, and its authorization: the Api construct builds the same table. */
export const ROUTES: RouteBinding[] = [
  { routeKey: 'POST /companies', auth: 'none', module: COMPANIES },
  { routeKey: 'GET /companies/{companyId}', auth: 'key', module: COMPANIES },
  { routeKey: 'PUT /companies/{companyId}/trainee', auth: 'key', module: COMPANIES },
  { routeKey: 'POST /companies/{companyId}/training/enrolments', auth: 'key', module: COMPANIES },
  { routeKey: 'POST /companies/{companyId}/training/attempts', auth: 'key', module: COMPANIES },
  { routeKey: 'POST /companies/{companyId}/program', auth: 'key', module: COMPANIES },
  { routeKey: 'POST /companies/{companyId}/audits', auth: 'key', module: COMPANIES },
  { routeKey: 'POST /companies/{companyId}/withdrawal', auth: 'key', module: COMPANIES },
  { routeKey: 'POST /companies/{companyId}/keys', auth: 'key', module: COMPANIES },
  {
    routeKey: 'GET /certificates/{certificateNumber}',
    auth: 'none',
    module: 'functions/api/certificates.ts',
  },
  { routeKey: 'GET /openapi.json', auth: 'none', module: 'functions/api/openapi.ts' },
  { routeKey: 'GET /regions', auth: 'none', module: 'functions/api/openapi.ts' },
  { routeKey: 'GET /regions/{region}/policy', auth: 'none', module: 'functions/api/openapi.ts' },
  { routeKey: 'POST /sign-in', auth: 'none', module: ACCESS },
  { routeKey: 'POST /sessions', auth: 'none', module: ACCESS },
  { routeKey: 'DELETE /sessions/current', auth: 'key', module: ACCESS },
  { routeKey: 'GET /ops/companies', auth: 'iam', module: OPS },
  { routeKey: 'GET /ops/companies/{companyId}', auth: 'iam', module: OPS },
  { routeKey: 'GET /ops/companies/{companyId}/executions', auth: 'iam', module: OPS },
  { routeKey: 'GET /ops/companies/{companyId}/executions/{name}/history', auth: 'iam', module: OPS },
  { routeKey: 'POST /ops/companies/{companyId}/reminders', auth: 'iam', module: OPS },
  { routeKey: 'POST /ops/companies/{companyId}/redrive', auth: 'iam', module: OPS },
  { routeKey: 'POST /ops/assessors', auth: 'iam', module: OPS },
  { routeKey: 'GET /ops/assessors', auth: 'iam', module: OPS },
  { routeKey: 'DELETE /ops/assessors/{assessorId}', auth: 'iam', module: OPS },
  { routeKey: 'POST /ops/reviewers', auth: 'iam', module: OPS },
  { routeKey: 'GET /ops/reviewers', auth: 'iam', module: OPS },
  { routeKey: 'DELETE /ops/reviewers/{reviewerId}', auth: 'iam', module: OPS },
];

export const AUTHORIZER_MODULE = 'functions/auth/authorizer.ts';
