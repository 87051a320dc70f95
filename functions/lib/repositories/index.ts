/** The DynamoDB repositories of the single table: companies, API keys, cross-company reads, claims. */
export * from './company-items';
export * from './company';
export * from './errors';
export * from './index-repository';
export * from './keys';
export * from './sessions';
export type { NoticeClaim, NoticeLease } from './notices';
