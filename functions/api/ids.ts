/** Identifier formats shared by the contract and the schemas (a module of its own: no import cycle). */

/** Company ids this API issues (company-service.ts newId('c')). */
export const COMPANY_ID_PATTERN = '^c[0-9a-f]{20}$';
