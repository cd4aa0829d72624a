/** Completes a `.waitForTaskToken` state (SendTaskSuccess / SendTaskFailure). */
export interface TaskCallbacksPort {
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}
