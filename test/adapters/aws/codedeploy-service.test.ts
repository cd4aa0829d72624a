/**
 * The CLI's CodeDeploy client (@aws-sdk/client-codedeploy behind an adapter): what it signs for and
 * where, so `stepdeploy --endpoint-url` reaches the AWS stack's function URL (signed for `lambda`) and
 * a local server (signed for `codedeploy`), and answers in the API's wire shapes.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeDeployService,
  regionOfEndpoint,
  signingNameFor,
} from '../../../functions/adapters/aws/codedeploy-service.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let server: Server;
let endpoint: string;
const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({ deploymentInfo: { deploymentId: 'd-AAAAAAAAA', createTime: 1700000000.5 } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('the CodeDeploy service adapter', () => {
  it('knows a Lambda function URL: signed for lambda, in the region the URL names', () => {
    const url = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/';
    expect(signingNameFor(url)).toBe('lambda');
    expect(regionOfEndpoint(url)).toBe('eu-west-1');
    expect(signingNameFor('http://127.0.0.1:4000')).toBe('codedeploy');
    expect(regionOfEndpoint('http://127.0.0.1:4000')).toBeUndefined();
  });

  it.each(['lambda', 'codedeploy'])(
    'signs for %s as told, and answers with epoch seconds',
    async (signingName) => {
      const service = codeDeployService({
        endpoint,
        region: 'eu-west-1',
        credentials,
        signingName,
        maxAttempts: 1,
      });
      const answer = await service.send('GetDeployment', { deploymentId: 'd-AAAAAAAAA' });
      service.destroy();
      const request = seen.at(-1)!;
      expect(request.headers['x-amz-target']).toBe('CodeDeploy_20141006.GetDeployment');
      expect(String(request.headers.authorization)).toContain(`/eu-west-1/${signingName}/aws4_request`);
      expect(JSON.parse(request.body)).toEqual({ deploymentId: 'd-AAAAAAAAA' });
      expect(answer).toEqual({ deploymentInfo: { deploymentId: 'd-AAAAAAAAA', createTime: 1700000000.5 } });
    },
  );

  it('sends a time range as the SDK serializes dates (epoch seconds on the wire)', async () => {
    const service = codeDeployService({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    await service.send('ListDeployments', { createTimeRange: { start: 1700000000, end: 1700003600 } });
    service.destroy();
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({
      createTimeRange: { start: 1700000000, end: 1700003600 },
    });
  });
});
