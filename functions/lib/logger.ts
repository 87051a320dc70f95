import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs. Never log task tokens, API keys or personal emails: log ids and outcomes. */
export const logger = new Logger({ serviceName: 'secor-lifecycle' });
