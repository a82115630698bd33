/** The kinds of event the deploy function accepts, distinguished by their shape. */
import type { S3EventRecord } from '../../core/release/artifact.js';
import type { ReleaseState } from '../../core/release/index.js';

/** An S3 event notification: `{ Records: [...] }`. */
export interface S3NotificationEvent {
  Records: S3EventRecord[];
}

/** Sent by the deploy function to itself when a bake outlasts one invocation. */
export interface ContinuationEvent {
  action: 'continue-release';
  state: ReleaseState;
}

export function isS3NotificationEvent(event: unknown): event is S3NotificationEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

export function isContinuationEvent(event: unknown): event is ContinuationEvent {
  if (typeof event !== 'object' || event === null) return false;
  const fields = event as { action?: unknown; state?: { plan?: unknown } };
  return fields.action === 'continue-release' && typeof fields.state?.plan === 'object';
}
