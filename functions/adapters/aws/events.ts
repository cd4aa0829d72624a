import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventsPort, StateChangeEvent } from '../../ports/events.js';
import { callAws, EventPublishFailedError, isThrottlingCode, ThrottlingError } from './errors.js';

/** What AwsEvents calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const EVENTS_IAM_ACTIONS = ['events:PutEvents'] as const;

/** Publishes CodeDeploy-shaped state-change events to an EventBridge bus. */
export class AwsEvents implements EventsPort {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName = 'default',
  ) {}

  async publish(event: StateChangeEvent): Promise<void> {
    const context = { service: 'eventbridge', operation: 'PutEvents', resource: this.eventBusName };
    const response = await callAws(context, () =>
      this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.eventBusName,
              Source: event.source,
              DetailType: event.detailType,
              Resources: event.resources,
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      ),
    );
    // PutEvents reports rejected entries in a successful response: without this check they vanish.
    if ((response.FailedEntryCount ?? 0) > 0) {
      const entry = response.Entries?.find((candidate) => candidate.ErrorCode !== undefined);
      const code = entry?.ErrorCode;
      const message = `EventBridge rejected the ${event.detailType} event: ${code ?? 'unknown error'}: ${entry?.ErrorMessage ?? ''}`;
      // A throttled entry stays a ThrottlingError so the state's Retry can back off and try again.
      if (isThrottlingCode(code)) throw new ThrottlingError(message, code);
      throw new EventPublishFailedError(message, code);
    }
  }
}
