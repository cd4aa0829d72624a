/** Invokes a Lambda or ECS hook function the way CodeDeploy does: asynchronously, with this payload. */
export interface HookInvocationPayload {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}

export interface HookInvokerPort {
  invokeHook(functionName: string, payload: HookInvocationPayload): Promise<void>;
}
