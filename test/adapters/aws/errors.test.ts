import { describe, expect, it } from 'vitest';
import {
  AwsServiceError,
  DeploymentLimitExceededException,
  ResourceNotFoundError,
  TaskTokenNoLongerValidError,
  ThrottlingError,
  translateAwsError,
} from '../../../functions/adapters/aws/errors.js';

const context = { service: 'dynamodb', operation: 'PutItem', resource: 'GROUP#shop#prod' };

function sdkError(name: string, message = 'boom', httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

describe('translateAwsError', () => {
  it.each([
    ['ThrottlingException', 'ThrottlingError'],
    ['Throttling', 'ThrottlingError'],
    ['TooManyRequestsException', 'ThrottlingError'],
    ['ProvisionedThroughputExceededException', 'ThrottlingError'],
    ['RequestLimitExceeded', 'ThrottlingError'],
    ['ResourceNotFoundException', 'ResourceNotFoundError'],
    ['TaskTimedOut', 'TaskTokenNoLongerValidError'],
    ['TaskDoesNotExist', 'TaskTokenNoLongerValidError'],
    ['InvalidToken', 'TaskTokenNoLongerValidError'],
    ['ConditionalCheckFailedException', 'AwsServiceError'],
    ['AccessDeniedException', 'AwsServiceError'],
  ])('turns %s into %s', (code, name) => {
    const original = sdkError(code);
    const translated = translateAwsError(original, context);
    expect(translated.name).toBe(name);
    expect(translated.cause).toBe(original);
    expect(translated.message).toBe(`dynamodb.PutItem (GROUP#shop#prod): ${code}: boom`);
  });

  it('keeps the code, context and HTTP status on AwsServiceError', () => {
    const translated = translateAwsError(sdkError('ValidationException', 'bad', 400), context);
    expect(translated).toBeInstanceOf(AwsServiceError);
    expect(translated).toMatchObject({ code: 'ValidationException', context, httpStatusCode: 400 });
  });

  it('keeps the code on ThrottlingError and the resource on ResourceNotFoundError', () => {
    expect(translateAwsError(sdkError('RequestLimitExceeded'), context)).toMatchObject({
      code: 'RequestLimitExceeded',
    });
    expect(translateAwsError(sdkError('ResourceNotFoundException'), context)).toMatchObject({
      resource: 'GROUP#shop#prod',
    });
  });

  it('passes already named errors through unchanged', () => {
    const named = [
      new ThrottlingError('t', 'ThrottlingException'),
      new ResourceNotFoundError('r'),
      new TaskTokenNoLongerValidError('x', 'TaskTimedOut'),
      new DeploymentLimitExceededException('busy'),
    ];
    for (const error of named) expect(translateAwsError(error, context)).toBe(error);
  });

  it('wraps a thrown non-error value', () => {
    expect(translateAwsError('socket hang up', context)).toMatchObject({
      name: 'AwsServiceError',
      code: 'UnknownError',
    });
  });

  it('gives every class its own name as a string, as ErrorEquals needs', () => {
    expect(new ThrottlingError('m', 'c').name).toBe('ThrottlingError');
    expect(new DeploymentLimitExceededException('busy').name).toBe('DeploymentLimitExceededException');
    expect(String(new TaskTokenNoLongerValidError('late', 'TaskTimedOut'))).toBe(
      'TaskTokenNoLongerValidError: late',
    );
  });
});
