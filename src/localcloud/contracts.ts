/**
 * The small interfaces through which providers use each other. A provider never reads
 * another provider's tables; the local cloud wires these at start-up.
 */

/** What the S3 provider needs from Lambda to deliver bucket notifications. */
export interface EventInvoker {
  /**
   * Queues an asynchronous (`InvocationType: Event`) invocation of a function ARN, qualified
   * or not, durably, with Lambda's retries for asynchronous invokes.
   */
  invokeAsync(functionArn: string, payload: Buffer): void;

  /** True when the ARN names an existing function, version or alias. */
  functionExists(functionArn: string): boolean;
}

/** What Lambda needs from S3 to take function code from a bucket. */
export interface ObjectReader {
  /**
   * Returns the bytes of one object version, or of the current version without `versionId`.
   * Throws the S3 provider's `AwsError` (`NoSuchBucket`, `NoSuchKey`, `NoSuchVersion`).
   */
  readObject(bucket: string, key: string, versionId?: string): Buffer;
}

/** Temporary credentials, as STS returns them. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** What Lambda needs from STS to give an execution environment its role's credentials. */
export interface CredentialIssuer {
  issueRoleCredentials(roleArn: string, sessionName: string): TemporaryCredentials;
}
