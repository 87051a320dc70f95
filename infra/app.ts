import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SecorStack } from './stack';

/** `npx cdk synth` / `npx cdk deploy`: the SECOR backend, checked by cdk-nag's AwsSolutions pack. */
export function buildApp(app = new App()): { app: App; stack: SecorStack } {
  const stack = new SecorStack(app, 'SecorLifecycle', {
    description: 'SECOR certification lifecycle: Step Functions, Lambda, DynamoDB, SES',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (require.main === module) {
  buildApp().app.synth();
}
