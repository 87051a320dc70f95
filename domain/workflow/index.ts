/** What the workflow does next (`planNext`) and the limits of its bookkeeping on the record. */
export { MAX_EMAIL_FEEDBACK_DETAIL, MAX_REMINDER_KEYS } from './bookkeeping';
export * from './plan';
