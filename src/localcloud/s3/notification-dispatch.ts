import type { EventInvoker } from '../contracts.js';
import type { Logger } from '../log.js';
import { hostId } from '../protocol/rest-xml.js';
import { buildEventRecord } from './notification-events.js';
import type { ObjectChange } from './notification-events.js';
import { eventTypeMatches, keyMatchesFilter, readNotificationConfiguration } from './notifications.js';

/** Sends the event of a committed object change to every matching Lambda configuration. */
export interface NotificationDispatcher {
  /** Call only after the change is committed: the target may read the object at once. */
  objectChanged(change: ObjectChange): void;
}

/**
 * Delivers each change as one asynchronous invoke per matching configuration, with a
 * payload of `{ Records: [record] }`. Lambda's asynchronous invoke queue is durable and
 * retries, so a delivery failure here is a failure to enqueue, which is logged and dropped.
 */
export function createNotificationDispatcher(events: EventInvoker, ownerId: string, logger: Logger): NotificationDispatcher {
  return {
    objectChanged(change) {
      const configuration = readNotificationConfiguration(change.bucket.notificationJson);
      for (const target of configuration.lambdaFunctionConfigurations) {
        const selected = target.events.some((event) => eventTypeMatches(event, change.eventName));
        if (!selected || !keyMatchesFilter(target.filterRules, change.key)) continue;

        const record = buildEventRecord(change, target.id, ownerId, hostId(change.requester.requestId));
        try {
          events.invokeAsync(target.lambdaFunctionArn, Buffer.from(JSON.stringify({ Records: [record] })));
        } catch (error) {
          logger.warn('could not queue an S3 event notification', {
            bucket: change.bucket.name,
            key: change.key,
            functionArn: target.lambdaFunctionArn,
            error,
          });
        }
      }
    },
  };
}
