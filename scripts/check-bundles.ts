/**
 * Run after `cdk synth` (npm run synth): every bundled function of the StepDeploy stack loads as ESM
 * and exports `handler`, and the hook endpoint's bundle answers a real request against dynalite, so a
 * bundling mistake (a missing require shim, an unbundled package) shows here rather than in AWS.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLocalDatabase, LOCAL_TABLE_NAME } from '../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const OUT = 'cdk.out';
interface TemplateResource {
  Type: string;
  Metadata?: Record<string, string>;
}
const template = JSON.parse(readFileSync(join(OUT, 'StepDeploy.template.json'), 'utf8')) as {
  Resources: Record<string, TemplateResource>;
};

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const handlers = new Map<string, Handler>();
for (const resource of Object.values(template.Resources)) {
  const assetPath = resource.Metadata?.['aws:asset:path'];
  const constructPath = resource.Metadata?.['aws:cdk:path'];
  if (
    resource.Type !== 'AWS::Lambda::Function' ||
    !assetPath ||
    !constructPath?.startsWith('StepDeploy/StepDeploy/')
  )
    continue;
  const name = constructPath.split('/')[2]!;
  const entry = join(OUT, assetPath, 'index.mjs');
  const module = (await import(pathToFileURL(join(process.cwd(), entry)).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function')
    throw new Error(`${entry} (${name}) does not export a handler function`);
  handlers.set(name, module.handler as Handler);
  console.log(
    `${name.padEnd(24)} ${(statSync(entry).size / 1024).toFixed(0).padStart(5)} KiB  loads, exports handler`,
  );
}
if (handlers.size === 0) throw new Error(`No bundled functions in ${OUT}: run cdk synth first.`);

const database = await startLocalDatabase({ transport: 'tcp' });
try {
  Object.assign(process.env, {
    STEPDEPLOY_TABLE_NAME: LOCAL_TABLE_NAME,
    AWS_ENDPOINT_URL_DYNAMODB: database.endpoint!,
    // No deployment is started here: the API needs the map, not an ARN in it.
    STEPDEPLOY_STATE_MACHINE_ARNS: '{}',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const response = (await handlers.get('CodeDeployApi')!(
    {
      headers: { 'x-amz-target': 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus' },
      body: JSON.stringify({
        deploymentId: 'd-AAAAAAAAA',
        lifecycleEventHookExecutionId: 'unknown',
        status: 'Succeeded',
      }),
    },
    {},
  )) as { statusCode: number; body: string };
  const body = JSON.parse(response.body) as { __type?: string };
  if (response.statusCode !== 400 || !body.__type) {
    throw new Error(
      `The bundled hook endpoint answered ${response.statusCode} ${response.body}; expected a CodeDeploy error`,
    );
  }
  console.log(
    `CodeDeployApi bundle answers an unknown hook with ${response.statusCode} ${body.__type} (read from dynalite)`,
  );
  // The API's bundle, as its function URL delivers a request (IAM checked by Lambda before it runs).
  const api = handlers.get('CodeDeployServiceApi')!;
  const call = async (operation: string, input: unknown) =>
    (await api(
      { headers: { 'x-amz-target': `CodeDeploy_20141006.${operation}` }, body: JSON.stringify(input) },
      {},
    )) as { statusCode: number; body: string };
  const created = await call('CreateApplication', {
    applicationName: 'bundle-check',
    computePlatform: 'Server',
  });
  const listed = await call('ListApplications', {});
  if (created.statusCode !== 200 || !JSON.parse(listed.body).applications?.includes('bundle-check')) {
    throw new Error(`The bundled API answered ${created.statusCode} ${created.body}, then ${listed.body}`);
  }
  console.log(`CodeDeployServiceApi bundle creates and lists an application (${listed.body}, in dynalite)`);
} finally {
  await database.close();
}
console.log(`${handlers.size} bundles checked`);
