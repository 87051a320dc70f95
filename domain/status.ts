/** The company status of API.md (`GET /companies/{companyId}`): a pure projection of the record at `now`. */
import { certificateStatus } from './certificates';
import type { IsoTimestamp } from './dates';
import { attemptsLeft } from './lifecycle';
import type { RegionPolicy } from './policy';
import { nextAction } from './next-action';
import { isOverdue, localToday, zoneOf } from './schedule';
import { trainingValidity } from './training-validity';
import type { Company } from './types';

export function companyStatus(c: Company, policy: RegionPolicy, now: IsoTimestamp) {
  return {
    companyId: c.companyId,
    legalName: c.legalName,
    region: c.region,
    policy: c.policyId,
    employeeCount: c.employeeCount,
    industry: c.industry,
    contact: c.contact,
    phase: c.phase,
    cycle: c.cycle,
    ...(c.maintenanceYear ? { maintenanceYear: c.maintenanceYear } : {}),
    timeZone: zoneOf(c),
    nextAction: nextAction(c, policy, localToday(c, now)),
    nextDeadline: c.nextDeadline
      ? {
          step: c.nextDeadline.step,
          dueOn: c.nextDeadline.dueOn,
          opensOn: c.nextDeadline.opensOn,
          ...(c.nextDeadline.maintenanceYear ? { maintenanceYear: c.nextDeadline.maintenanceYear } : {}),
        }
      : null,
    overdue: isOverdue(c, now),
    trainee: c.trainee,
    training: {
      attempts: c.training.attempts.map((a) => ({
        attemptNumber: a.attemptNumber,
        attemptCycle: a.attemptCycle,
        score: a.score,
        passed: a.passed,
        takenAt: a.takenAt,
      })),
      attemptCycle: c.training.attemptCycle,
      attemptsLeft: attemptsLeft(c, policy),
      passedOn: c.training.passedOn,
      expiresOn: c.training.expiresOn,
      // none before the exam is passed; then valid, expiring (inside the refresher window) or expired.
      status: trainingValidity(c, policy, localToday(c, now)) ?? ('none' as const),
    },
    program: c.program,
    audits: c.audits.map((a) => ({
      auditId: a.auditId,
      type: a.type,
      ...(a.maintenanceYear ? { maintenanceYear: a.maintenanceYear } : {}),
      overallScore: a.overallScore,
      elementScores: a.elementScores,
      failedElements: a.failedElements,
      passed: a.passed,
      correctiveActionRequired: a.correctiveActionRequired,
      auditor: a.auditor,
      completedOn: a.completedOn,
    })),
    correctiveActions: c.correctiveActions,
    certificate: c.certificate
      ? { ...c.certificate, status: certificateStatus(c.certificate, now, c.region) }
      : null,
    lapsed: c.lapsed,
    failure: c.failure,
    withdrawal: c.withdrawal,
    // Shown only when SES reported a bounce or complaint: the company's emails may not be arriving.
    ...(c.emailIssue ? { emailIssue: c.emailIssue } : {}),
    execution: c.execution.name,
    // Shown only once events were dropped to keep the record bounded: the history is the first and the latest.
    ...(c.historyDropped ? { historyDropped: c.historyDropped } : {}),
    history: c.history.map((e) => ({
      at: e.at,
      type: e.type,
      by: e.by,
      ...(e.details ? { details: e.details } : {}),
    })),
  };
}

export type CompanyStatus = ReturnType<typeof companyStatus>;
