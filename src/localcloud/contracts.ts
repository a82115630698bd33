/**
 * The small interfaces through which providers use each other. A provider never reads
 * another provider's tables; the local cloud wires these at start-up.
 */

/** The Lambda side of S3 bucket notifications. */
export interface EventInvoker {
  /**
   * Queues an asynchronous (`InvocationType: Event`) invocation of a function ARN, qualified
   * or not, durably, with Lambda's retries for asynchronous invokes.
   */
  invokeAsync(functionArn: string, payload: Buffer): void;

  /** True when the ARN names an existing function, version or alias. */
  functionExists(functionArn: string): boolean;
}

/** The S3 side of Lambda code taken from a bucket. */
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

/** The STS side of an execution environment's role credentials. */
export interface CredentialIssuer {
  issueRoleCredentials(roleArn: string, sessionName: string): TemporaryCredentials;
}

/** A role as IAM stores it, with its policy documents parsed from JSON. */
export interface RoleDescription {
  arn: string;
  name: string;
  /** IAM's unique id of the role, `AROA…`, which assumed-role user ids start with. */
  roleId: string;
  trustPolicy: object;
  /** Inline policies by policy name. */
  inlinePolicies: Record<string, object>;
  /** ARNs of the managed policies attached to the role. */
  attachedPolicyArns: string[];
  /** The maximum session duration, in seconds, that AssumeRole may grant for the role. */
  maxSessionDurationSeconds: number;
}

/** IAM's roles and managed policies, as STS and IAM enforcement read them. */
export interface RoleDirectory {
  /** Finds a role by ARN or by name (names are case-insensitive in IAM); undefined when absent. */
  getRole(roleArnOrName: string): RoleDescription | undefined;
  /** Returns the document of an AWS managed policy in the local IAM's table, or undefined for any other ARN. */
  getManagedPolicyDocument(policyArn: string): object | undefined;
}

/** One CloudWatch Logs event: epoch milliseconds and the message text. */
export interface LogEvent {
  timestamp: number;
  message: string;
}

/** The CloudWatch Logs side of storing function output. */
export interface LogEventWriter {
  /** Appends events to a stream, creating the log group and stream when they do not exist. */
  putLogEvents(region: string, logGroupName: string, logStreamName: string, events: LogEvent[]): void;
}
