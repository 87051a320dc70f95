/**
 * Every body of the HTTP API, defined once (TypeBox: plain JSON Schema 2020-12 objects with their TypeScript
 * types). From here come the precompiled request validators (scripts/build-validators.ts), the types of the
 * route handlers' inputs and outputs (functions/api/contract/), and the OpenAPI document (openapi.ts).
 *
 * Requests reject unknown fields. Responses describe every field the API returns, but do not forbid others: the
 * API may add fields later (the API tests check responses with unknown fields forbidden).
 */
export { ERROR_CODES, STEPS } from './common';
export { schemas, type SchemaName } from './requests';
export { responseSchemas, type ResponseSchemaName } from './responses';
export { errorSchemas, type ErrorBody, type ErrorSchemaName } from './error-bodies';
