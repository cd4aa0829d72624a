/** A state-change event shaped like CodeDeploy's EventBridge events, with source `stepdeploy`. */
export interface StateChangeEvent {
  source: 'stepdeploy';
  detailType:
    'CodeDeploy Deployment State-change Notification' | 'CodeDeploy Instance State-change Notification';
  resources: string[];
  detail: Record<string, unknown>;
}

export interface EventsPort {
  publish(event: StateChangeEvent): Promise<void>;
}
