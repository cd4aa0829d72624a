import { describe, expect, it } from 'vitest';
import {
  DeploymentConfigDoesNotExistException,
  DeploymentConfigNameRequiredException,
  IllegalStatusTransitionError,
  InvalidArgumentError,
  InvalidComputePlatformException,
  InvalidDeploymentConfigNameException,
  InvalidMinimumHealthyHostValueException,
  InvalidTrafficRoutingConfigurationException,
  InvalidZonalDeploymentConfigurationException,
  StepDeployError,
  isStepDeployError,
} from '../../functions/domain/errors.js';

describe('named errors', () => {
  it.each<[string, new (message: string) => StepDeployError]>([
    ['DeploymentConfigDoesNotExistException', DeploymentConfigDoesNotExistException],
    ['DeploymentConfigNameRequiredException', DeploymentConfigNameRequiredException],
    ['InvalidDeploymentConfigNameException', InvalidDeploymentConfigNameException],
    ['InvalidMinimumHealthyHostValueException', InvalidMinimumHealthyHostValueException],
    ['InvalidTrafficRoutingConfigurationException', InvalidTrafficRoutingConfigurationException],
    ['InvalidZonalDeploymentConfigurationException', InvalidZonalDeploymentConfigurationException],
    ['InvalidComputePlatformException', InvalidComputePlatformException],
    ['InvalidArgumentError', InvalidArgumentError],
  ])('%s: name is the class name (what ErrorEquals matches), message kept', (name, ErrorClass) => {
    const error = new ErrorClass('boom');
    expect(error.name).toBe(name);
    expect(ErrorClass.name).toBe(name);
    expect(error.message).toBe('boom');
    expect(error).toBeInstanceOf(StepDeployError);
    expect(error).toBeInstanceOf(Error);
    expect(isStepDeployError(error)).toBe(true);
    expect(String(error)).toBe(`${name}: boom`);
  });

  it('a subclass added later without declaring name still gets its class name', () => {
    class LaterLayerException extends StepDeployError {}
    expect(new LaterLayerException('x').name).toBe('LaterLayerException');
    expect(new StepDeployError('x').name).toBe('StepDeployError');
  });

  it('keeps the cause', () => {
    const cause = new Error('root');
    expect(new InvalidArgumentError('wrapped', { cause }).cause).toBe(cause);
  });

  it('IllegalStatusTransitionError carries kind, from and to', () => {
    const error = new IllegalStatusTransitionError('deployment', 'Succeeded', 'InProgress');
    expect(error).toMatchObject({
      name: 'IllegalStatusTransitionError',
      kind: 'deployment',
      from: 'Succeeded',
      to: 'InProgress',
    });
    expect(error.message).toBe('Illegal deployment status transition: Succeeded -> InProgress');
  });

  it('plain errors are not StepDeployErrors', () => {
    expect(isStepDeployError(new Error('x'))).toBe(false);
    expect(isStepDeployError({ name: 'InvalidArgumentError', message: 'x' })).toBe(false);
  });
});
