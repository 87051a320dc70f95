/**
 * The operations of the HTTP API: for each route, who may call it, its request and response schemas (by name in
 * schemas/), the errors it can answer, and its documentation. The handlers are typed from this table
 * (Ctx<K>, Reply<K>), the middy stack reads roles and schemas from it, and ../openapi.ts documents it.
 */
import type { Static } from '@sinclair/typebox';
import type { responseSchemas, schemas, SchemaName } from '../schemas';
import { ACCESS_OPERATIONS } from './access';
import { COMPANY_OPERATIONS } from './companies';
import { OPS_OPERATIONS } from './ops';
import { PUBLIC_OPERATIONS } from './public';
import type { Operation } from './types';

export {
  COMPANY_ID_PATTERN,
  TAGS,
  type ErrorStatus,
  type Operation,
  type QueryParameter,
  type SuccessStatus,
  type Tag,
} from './types';

/** Every operation of the API, by route key (the route table of route-table.ts has the same keys). */
export const OPERATIONS = {
  ...COMPANY_OPERATIONS,
  ...PUBLIC_OPERATIONS,
  ...ACCESS_OPERATIONS,
  ...OPS_OPERATIONS,
} as const satisfies Record<string, Operation>;

export type RouteKey = keyof typeof OPERATIONS;
type Op<K extends RouteKey> = (typeof OPERATIONS)[K];

/** The parsed request body of a route (undefined for routes without one). */
export type RequestBody<K extends RouteKey> =
  Op<K> extends { request: infer N extends SchemaName } ? Static<(typeof schemas)[N]> : undefined;
/** The 2xx body of a route. */
export type ResponseBody<K extends RouteKey> = Static<(typeof responseSchemas)[Op<K>['response']]>;
/** The 2xx status of a route. */
export type StatusOf<K extends RouteKey> = Op<K>['status'];

export const operationOf = (routeKey: string): Operation | undefined =>
  (OPERATIONS as Record<string, Operation>)[routeKey];
