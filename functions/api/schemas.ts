/**
 * The request schemas of API.md (JSON Schema 2020-12). The same objects drive validation (ajv) and the
 * OpenAPI 3.1 document served at GET /openapi.json. Unknown fields are rejected everywhere.
 */
import { REGIONS } from '../../domain';

type Schema = Record<string, unknown>;

const text = (max: number, extra: Schema = {}): Schema => ({
  type: 'string',
  minLength: 1,
  maxLength: max,
  ...extra,
});
const email: Schema = { type: 'string', format: 'email', maxLength: 254 };
const date: Schema = {
  type: 'string',
  format: 'date',
  pattern: '^(19|20|21)\\d{2}-',
  description: 'YYYY-MM-DD (years 1900 to 2199)',
};
const percent: Schema = { type: 'number', minimum: 0, maximum: 100 };
const object = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const empty = object({});

export const schemas = {
  SignUp: object(
    {
      legalName: text(200, {
        description: 'The legal name; unique per region (case, accents and punctuation do not matter)',
        pattern: '[\\p{L}\\p{N}]',
      }),
      region: { type: 'string', enum: [...REGIONS], description: 'Province or territory code' },
      employeeCount: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      industry: text(100),
      contact: object({ name: text(200), email, phone: text(40, { pattern: '^[0-9 +().-]+$' }) }, [
        'name',
        'email',
      ]),
    },
    ['legalName', 'region', 'employeeCount', 'contact'],
  ),
  Trainee: object({ name: text(200), email }, ['name', 'email']),
  Enrolment: empty,
  ExamAttempt: object({ score: percent, takenAt: { type: 'string', format: 'date-time' } }, ['score']),
  Program: object(
    {
      manualTitle: text(200),
      manualVersion: text(50),
      elements: { type: 'array', items: text(100), minItems: 1, maxItems: 50, uniqueItems: true },
      implementedSince: date,
    },
    ['manualTitle', 'manualVersion', 'elements', 'implementedSince'],
  ),
  Audit: object(
    {
      type: { type: 'string', enum: ['certification', 'maintenance', 'recertification'] },
      overallScore: percent,
      elementScores: {
        type: 'object',
        propertyNames: { pattern: '^[a-z][a-z0-9-]{0,99}$' },
        additionalProperties: percent,
        maxProperties: 50,
      },
      auditor: object({ name: text(200) }, ['name']),
      completedOn: date,
    },
    ['type', 'overallScore', 'elementScores', 'auditor', 'completedOn'],
  ),
  Withdrawal: object({ reason: text(1000) }),
  Assessor: object({ name: text(200), email }, ['name', 'email']),
  Empty: empty,
} satisfies Record<string, Schema>;

export type SchemaName = keyof typeof schemas;
