import type { RegionPolicy } from './policy';

export interface AuditEvaluation {
  passed: boolean;
  /** Elements below the region's element minimum (or not scored where the region sets one). */
  failedElements: string[];
  reasons: string[];
}

/**
 * Audit pass: overall score >= the region's pass mark AND, where the region sets an element minimum, every
 * program element scored >= that minimum (an element with no score fails it).
 */
export function evaluateAudit(
  policy: RegionPolicy,
  overallScore: number,
  elementScores: Record<string, number>,
): AuditEvaluation {
  const reasons: string[] = [];
  if (overallScore < policy.auditPassMark) {
    reasons.push(`overall score ${overallScore}% is below the pass mark of ${policy.auditPassMark}%`);
  }
  const failedElements: string[] = [];
  const minimum = policy.auditElementMinimum;
  if (minimum !== null) {
    for (const element of policy.programElements) {
      const score = Object.hasOwn(elementScores, element.id) ? elementScores[element.id] : undefined;
      if (score === undefined || score < minimum) {
        failedElements.push(element.id);
        reasons.push(
          score === undefined
            ? `element "${element.id}" was not scored (every element needs at least ${minimum}%)`
            : `element "${element.id}" scored ${score}%, below the element minimum of ${minimum}%`,
        );
      }
    }
  }
  return { passed: reasons.length === 0, failedElements, reasons };
}

export function isPassingExam(policy: RegionPolicy, score: number): boolean {
  return score >= policy.examPassMark;
}
