/**
 * Recognises SDK errors by class, with the HTTP status as a fallback for endpoints that return
 * an error code the SDK has no class for.
 */

interface MetadataBearer {
  $metadata?: { httpStatusCode?: number };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** True when `error` is an instance of one of `classes` or carries `status` as its HTTP status. */
export function isAwsError(error: unknown, classes: readonly ErrorClass[], status?: number): boolean {
  if (classes.some((errorClass) => error instanceof errorClass)) return true;
  return status !== undefined && httpStatusOf(error) === status;
}

export function httpStatusOf(error: unknown): number | undefined {
  return (error as MetadataBearer | undefined)?.$metadata?.httpStatusCode;
}

/** Runs `read` and returns undefined when it fails with a "not found" error. */
export async function readOrUndefined<T>(read: () => Promise<T>, notFound: readonly ErrorClass[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isAwsError(error, notFound, 404)) return undefined;
    throw error;
  }
}
