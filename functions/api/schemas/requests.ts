/** The request bodies: unknown fields are refused. */
import { Type } from '@sinclair/typebox';
import { REGIONS } from '../../../domain';
import { AUDIT_TYPES, closed, date, elementScores, email, oneOf, percent, text } from './common';

/** The request bodies, by name (the validators module exports one validator per name). */
export const schemas = {
  SignUp: closed(
    {
      legalName: text(200, {
        description: 'The legal name; unique per region (case, accents and punctuation do not matter)',
        pattern: '[\\p{L}\\p{N}]',
      }),
      region: oneOf(REGIONS, { description: 'Province or territory code' }),
      employeeCount: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      industry: Type.Optional(text(100)),
      contact: closed({
        name: text(200),
        email,
        phone: Type.Optional(text(40, { pattern: '^[0-9 +().-]+$' })),
      }),
    },
    { description: 'A company signing up' },
  ),
  Trainee: closed({ name: text(200), email }, { description: 'The employee who takes the SECOR training' }),
  Enrolment: closed({}, { description: 'No fields: re-enrols the trainee in the training course' }),
  ExamAttempt: closed(
    { score: percent, takenAt: Type.Optional(Type.String({ format: 'date-time' })) },
    { description: 'A training exam result (takenAt defaults to now)' },
  ),
  Program: closed(
    {
      manualTitle: text(200),
      manualVersion: text(50),
      elements: Type.Array(text(100), { minItems: 1, maxItems: 50, uniqueItems: true }),
      implementedSince: date,
    },
    { description: "The company's health & safety program, implemented since a date" },
  ),
  Audit: closed(
    {
      type: oneOf(AUDIT_TYPES),
      overallScore: percent,
      elementScores,
      auditor: closed({ name: text(200) }),
      completedOn: date,
    },
    {
      description:
        'A completed audit: certification and recertification by an assessor, maintenance by the company',
    },
  ),
  Withdrawal: closed({ reason: Type.Optional(text(1000)) }, { description: 'Leaving the program' }),
  Assessor: closed(
    {
      name: text(200),
      email,
      regions: Type.Optional(
        Type.Array(oneOf(REGIONS), {
          minItems: 1,
          uniqueItems: true,
          description: 'The regions the key may be used in (absent: every region)',
        }),
      ),
    },
    { description: 'An assessor (auditor) to issue a key to' },
  ),
  Reviewer: closed(
    {
      name: text(200),
      email,
      regions: Type.Array(oneOf(REGIONS), {
        minItems: 1,
        uniqueItems: true,
        description: "The regions of the certifying partner the reviewer works for: the key's scope",
      }),
    },
    { description: "A certifying partner's QA reviewer to issue a key to" },
  ),
  Empty: closed({}, { description: 'No fields' }),
  SignIn: closed({ email }, { description: 'The address to send a sign-in link to' }),
  SessionRequest: closed(
    { token: text(200, { minLength: 20, description: 'The token of the sign-in link (after #sign-in=)' }) },
    { description: 'A sign-in token to exchange for a session' },
  ),
};

export type SchemaName = keyof typeof schemas;
