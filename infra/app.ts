import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addStacks } from './stacks.js';

/** The CDK app (cdk.json): every stack, checked by cdk-nag's AwsSolutions rules on each synth. */
const app = new App();
addStacks(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
