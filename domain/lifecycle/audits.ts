/** Audits (certification, maintenance, recertification), corrective actions, and the certificates they issue. */
import { evaluateAudit } from '../audit';
import { formatCertificateNumber } from '../certificates';
import { addMonths, addYears } from '../dates';
import { DomainError } from '../errors';
import { describeElements, resolveElement } from '../policy';
import { trainingValidity } from '../training-validity';
import { maintenanceDeadline, recertificationDeadline } from '../schedule';
import type { Audit, Certificate, Command, Decision } from '../types';
import { type Change, lapsedAt, wrongPhase } from './change';

type AuditCommand = Extract<Command, { type: 'recordAudit' }>;

/**
 * The scores by element id: every element of the company's policy scored once, named by its id or its published
 * name (any letter case). Anything else is VALIDATION_FAILED naming each element missing, unknown or repeated.
 */
function scoresByElement(ch: Change, scores: Record<string, number>): Record<string, number> {
  const p = ch.policy;
  const out: Record<string, number> = {};
  const details: { path: string; message: string }[] = [];
  for (const [key, score] of Object.entries(scores)) {
    const id = resolveElement(p, key);
    if (!id)
      details.push({ path: `body:elementScores/${key}`, message: `not an element of the ${p.name} policy` });
    else if (Object.hasOwn(out, id))
      details.push({ path: `body:elementScores/${key}`, message: `element ${id} is scored twice` });
    else out[id] = score;
  }
  for (const e of p.programElements)
    if (!Object.hasOwn(out, e.id))
      details.push({ path: `body:elementScores/${e.id}`, message: `missing: "${e.name}" must be scored` });
  if (details.length > 0) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `an audit scores every element of the ${p.name} policy, once each (by id or published name): ${describeElements(p)}`,
      details,
    );
  }
  return out;
}

export function recordAudit(ch: Change, command: AuditCommand): Decision {
  if (command.completedOn > ch.today) {
    throw new DomainError('TOO_EARLY', `completedOn ${command.completedOn} is in the future`);
  }
  if (!(command.overallScore >= 0 && command.overallScore <= 100)) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `overallScore is a percentage from 0 to 100, got ${command.overallScore}`,
    );
  }
  const elementScores = scoresByElement(ch, command.elementScores);
  const invalid = Object.entries(elementScores).filter(([, s]) => !(s >= 0 && s <= 100));
  if (invalid.length > 0) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `element scores are percentages from 0 to 100, got ${invalid.map(([e, s]) => `${e}: ${s}`).join(', ')}`,
    );
  }
  const resolved = { ...command, elementScores };
  switch (command.auditType) {
    case 'certification':
      return certificationAudit(ch, resolved);
    case 'maintenance':
      return maintenanceAudit(ch, resolved);
    case 'recertification':
      return recertificationAudit(ch, resolved);
  }
}

function addAudit(ch: Change, command: AuditCommand, maintenanceYear?: 2 | 3): Audit {
  const c = ch.company;
  const evaluation = evaluateAudit(ch.policy, command.overallScore, command.elementScores);
  const audit: Audit = {
    auditId: command.auditId,
    type: command.auditType,
    cycle: c.cycle,
    ...(maintenanceYear ? { maintenanceYear } : {}),
    overallScore: command.overallScore,
    elementScores: { ...command.elementScores },
    failedElements: evaluation.failedElements,
    passed: evaluation.passed,
    correctiveActionRequired: !evaluation.passed,
    auditor: { name: command.auditor.name },
    completedOn: command.completedOn,
    recordedBy: ch.ctx.by,
    recordedAt: ch.ctx.now,
  };
  c.audits.push(audit);
  ch.emit(audit.passed ? 'AUDIT_PASSED' : 'AUDIT_FAILED', {
    auditId: audit.auditId,
    type: audit.type,
    ...(maintenanceYear ? { maintenanceYear } : {}),
    overallScore: audit.overallScore,
    ...(evaluation.reasons.length ? { reasons: evaluation.reasons } : {}),
  });
  if (audit.passed) {
    for (const action of c.correctiveActions) {
      if (action.status === 'OPEN') {
        action.status = 'CLOSED';
        action.closedOn = command.completedOn;
        action.closedByAuditId = audit.auditId;
        ch.emit('CORRECTIVE_ACTION_CLOSED', { auditId: action.auditId, closedByAuditId: audit.auditId });
      }
    }
  } else {
    c.correctiveActions.push({ auditId: audit.auditId, openedOn: ch.today, status: 'OPEN' });
    ch.emit('CORRECTIVE_ACTION_REQUIRED', { auditId: audit.auditId, reasons: evaluation.reasons });
  }
  return audit;
}

function issueCertificate(ch: Change, command: AuditCommand, rerun: boolean): Certificate {
  const c = ch.company;
  if (command.certificateSequence === undefined) {
    throw new Error('a passing audit needs certificateSequence (allocate it before deciding)');
  }
  const issuedOn = command.completedOn;
  const certificate: Certificate = {
    certificateNumber: formatCertificateNumber(c.region, issuedOn, command.certificateSequence),
    cycle: c.cycle,
    issuedOn,
    expiresOn: addYears(issuedOn, ch.policy.certificateValidityYears),
    status: 'valid',
  };
  if (c.certificate) c.pastCertificates.push(c.certificate);
  c.certificate = certificate;
  ch.emit('CERTIFICATE_ISSUED', {
    certificateNumber: certificate.certificateNumber,
    issuedOn,
    expiresOn: certificate.expiresOn,
  });
  // Certified, and at once in the certificate's first maintenance year (its year 2): one decision, so no
  // execution runs for the instant in between.
  ch.certified();
  ch.enter('MAINTENANCE', { maintenanceYear: 2, rerun });
  c.nextDeadline = maintenanceDeadline(ch.policy, issuedOn, 2);
  return certificate;
}

function certificationAudit(ch: Change, command: AuditCommand): Decision {
  const c = ch.company;
  const reentry = lapsedAt(c, 'CERTIFICATION_AUDIT');
  if (c.phase !== 'CERTIFICATION_AUDIT' && !reentry) {
    throw wrongPhase(
      c,
      'a certification audit is recorded after the program is submitted (phase CERTIFICATION_AUDIT)',
    );
  }
  const program = c.program;
  if (program && command.completedOn < program.earliestAuditOn) {
    throw new DomainError(
      'TOO_EARLY',
      `the program must run at least ${ch.policy.minImplementationMonths} months (implemented since ` +
        `${program.implementedSince}) before the certification audit: complete it on or after ${program.earliestAuditOn}`,
    );
  }
  if (program && command.completedOn < program.submittedOn) {
    throw new DomainError(
      'TOO_EARLY',
      `the certification audit audits the program submitted on ${program.submittedOn}: an audit completed on ` +
        `${command.completedOn} predates it; complete it on or after ${program.submittedOn}`,
    );
  }
  const audit = addAudit(ch, command);
  if (reentry) ch.emit('REENTERED', { step: 'CERTIFICATION_AUDIT' });
  if (audit.passed) {
    issueCertificate(ch, command, reentry);
    return ch.done(reentry ? 'start' : 'notify');
  }
  if (reentry) {
    ch.enter('CERTIFICATION_AUDIT', { rerun: true });
    c.nextDeadline = {
      step: 'CERTIFICATION_AUDIT',
      opensOn: ch.today,
      dueOn: addMonths(ch.today, ch.policy.certificationAuditWithinMonths),
    };
    return ch.done('start');
  }
  return ch.done('notify');
}

function maintenanceAudit(ch: Change, command: AuditCommand): Decision {
  const c = ch.company;
  const deadline = c.nextDeadline;
  if (c.phase !== 'MAINTENANCE' || !deadline || deadline.step !== 'MAINTENANCE_AUDIT') {
    throw wrongPhase(c, 'maintenance audits are filed in certificate years 2 and 3 (phase MAINTENANCE)');
  }
  const year = deadline.maintenanceYear ?? 2;
  if (command.completedOn < deadline.opensOn) {
    throw new DomainError(
      'TOO_EARLY',
      `the year-${year} maintenance audit window opens on ${deadline.opensOn} (due ${deadline.dueOn}); ` +
        `an audit completed on ${command.completedOn} is outside it`,
    );
  }
  if (command.completedOn > deadline.dueOn) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `the year-${year} maintenance audit was due by ${deadline.dueOn}; an audit completed on ${command.completedOn} ` +
        'is late and cannot keep the certificate',
    );
  }
  addAudit(ch, command, year);
  const cert = c.certificate as Certificate;
  if (year === 2) {
    ch.enter('MAINTENANCE', { maintenanceYear: 3 });
    c.nextDeadline = maintenanceDeadline(ch.policy, cert.issuedOn, 3);
  } else {
    ch.enter('RECERTIFICATION');
    c.nextDeadline = recertificationDeadline(cert.issuedOn, cert.expiresOn);
  }
  return ch.done('notify');
}

function recertificationAudit(ch: Change, command: AuditCommand): Decision {
  const c = ch.company;
  const reentry = lapsedAt(c, 'RECERTIFICATION');
  if (c.phase !== 'RECERTIFICATION' && !reentry) {
    throw wrongPhase(
      c,
      "the recertification audit is recorded in the certificate's third year (phase RECERTIFICATION)",
    );
  }
  const deadline = c.nextDeadline;
  if (!reentry && deadline && command.completedOn < deadline.opensOn) {
    throw new DomainError(
      'TOO_EARLY',
      `recertification opens on ${deadline.opensOn} (due ${deadline.dueOn}); an audit completed on ` +
        `${command.completedOn} is outside the window`,
    );
  }
  if (ch.policy.recertificationNeedsValidTraining && trainingValidity(c, ch.policy, ch.today) === 'expired') {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `in ${ch.policy.name} a recertification needs valid SECOR training, and the trainee's expired on ` +
        `${c.training.expiresOn}: the trainee takes the refresher course and its exam first ` +
        '(POST /companies/{companyId}/training/enrolments), then the audit can be recorded',
    );
  }
  const audit = addAudit(ch, command);
  if (reentry) ch.emit('REENTERED', { step: 'RECERTIFICATION_AUDIT' });
  if (audit.passed) {
    c.cycle += 1;
    // The new cycle's deadlines have new due dates; the trainee's refresher reminders stay sent.
    c.remindersSent = c.remindersSent.filter((k) => k.startsWith('TRAINING_REFRESHER|'));
    issueCertificate(ch, command, reentry);
    return ch.done(reentry ? 'start' : 'notify');
  }
  if (reentry) {
    ch.enter('RECERTIFICATION', { rerun: true });
    c.nextDeadline = {
      step: 'RECERTIFICATION_AUDIT',
      opensOn: ch.today,
      dueOn: addMonths(ch.today, ch.policy.certificationAuditWithinMonths),
    };
    return ch.done('start');
  }
  return ch.done('notify');
}
