import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  BODY_TOO_LARGE,
  edgeBody,
  MAX_BODY_BYTES,
  RATE_RULES,
  type EdgeAnswer,
} from '../../functions/api/edge';

export interface FirewallProps {
  /** The API stage the web ACL protects. */
  stage: apigw.Stage;
}

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/** Matches a request for one route (`POST /companies`): its method, and a URI path ending in the route's path. */
function routeMatch(routeKey: string): wafv2.CfnWebACL.StatementProperty {
  const [method, path] = routeKey.split(' ') as [string, string];
  const exact = (field: wafv2.CfnWebACL.FieldToMatchProperty, search: string, position: string) => ({
    byteMatchStatement: {
      fieldToMatch: field,
      searchString: search,
      positionalConstraint: position,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  });
  return {
    andStatement: {
      statements: [
        exact({ method: {} }, method, 'EXACTLY'),
        // The path the firewall sees starts with the stage (/v1/companies).
        exact({ uriPath: {} }, path, 'ENDS_WITH'),
      ],
    },
  };
}

/** A Block action answering `answer` (the contract's error body) instead of WAF's own 403. */
const block = (bodyKey: string, answer: EdgeAnswer, headers: Record<string, string> = {}) => ({
  block: {
    customResponse: {
      responseCode: answer.status,
      customResponseBodyKey: bodyKey,
      ...(Object.keys(headers).length
        ? { responseHeaders: Object.entries(headers).map(([name, value]) => ({ name, value })) }
        : {}),
    },
  },
});

/**
 * AWS WAF in front of the API stage: bodies over the API's size limit refused before they reach Lambda, the
 * per-source-IP rate rules of functions/api/edge.ts (the local gateway applies the same ones), and two AWS
 * managed rule groups with few false positives (known bad inputs, Amazon's IP reputation list). Each block
 * answers the contract's error body; the rate rules' answer is 429 THROTTLED with Retry-After.
 */
export class Firewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: FirewallProps) {
    super(scope, id);
    const bodies: Record<string, wafv2.CfnWebACL.CustomResponseBodyProperty> = {
      BodyTooLarge: { contentType: 'APPLICATION_JSON', content: edgeBody(BODY_TOO_LARGE) },
    };
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'BodyTooLarge',
        priority: 0,
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: MAX_BODY_BYTES,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        action: block('BodyTooLarge', BODY_TOO_LARGE),
        visibilityConfig: visibility('BodyTooLarge'),
      },
    ];
    RATE_RULES.forEach((rule, i) => {
      bodies[rule.name] = { contentType: 'APPLICATION_JSON', content: edgeBody(rule.answer) };
      const scopeDown = rule.routes?.map(routeMatch);
      rules.push({
        name: rule.name,
        priority: 10 + i,
        statement: {
          rateBasedStatement: {
            limit: rule.limit,
            evaluationWindowSec: rule.windowSeconds,
            aggregateKeyType: 'IP',
            ...(scopeDown
              ? {
                  scopeDownStatement:
                    scopeDown.length === 1 ? scopeDown[0] : { orStatement: { statements: scopeDown } },
                }
              : {}),
          },
        },
        action: block(rule.name, rule.answer, { 'Retry-After': String(rule.windowSeconds) }),
        visibilityConfig: visibility(rule.name),
      });
    });
    ['AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList'].forEach((name, i) =>
      rules.push({
        name,
        priority: 20 + i,
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
        overrideAction: { none: {} },
        visibilityConfig: visibility(name),
      }),
    );
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: 'SECOR Lifecycle API: body size, per-IP rate limits, AWS managed rules',
      customResponseBodies: bodies,
      rules,
      // The body is inspected up to the API's own limit (64 KB), so a larger one is refused as too large.
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: 'KB_64' } } },
      visibilityConfig: visibility('SecorApi'),
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
