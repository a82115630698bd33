import { randomBytes } from 'node:crypto';

/**
 * The lines the Lambda service writes around each invocation, and the log stream names it
 * uses, so that tools reading CloudWatch Logs parse local output the same way.
 */

/** Makes a log stream name as Lambda makes one per environment: `2024/05/01/[$LATEST]<32 hex digits>`. */
export function logStreamName(version: string, now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[${version}]${randomBytes(16).toString('hex')}`;
}

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

/** Figures of one invocation for its REPORT line. */
export interface ReportFigures {
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Present on the first invocation of an environment. */
  initDurationMs?: number;
  /** `timeout` or `error` when the environment did not survive the invocation. */
  status?: 'timeout' | 'error';
  errorType?: string;
}

/** Formats the REPORT line: tab-separated figures, each followed by a tab, as Lambda writes them. */
export function reportLine(requestId: string, figures: ReportFigures): string {
  const parts = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${figures.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(figures.durationMs))} ms`,
    `Memory Size: ${figures.memorySizeMb} MB`,
    `Max Memory Used: ${figures.maxMemoryUsedMb} MB`,
  ];
  if (figures.initDurationMs !== undefined) parts.push(`Init Duration: ${figures.initDurationMs.toFixed(2)} ms`);
  if (figures.status) parts.push(`Status: ${figures.status}`);
  if (figures.errorType) parts.push(`Error Type: ${figures.errorType}`);
  return `${parts.join('\t')}\t\n`;
}

/** The line the Node.js runtime logs for an error that a handler returned or threw. */
export function invokeErrorLine(requestId: string, error: unknown): string {
  return `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(error)}\n`;
}

/** Formats the timeout message with seconds to two decimals: `Task timed out after 3.00 seconds`. */
export function timedOutMessage(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

/** Formats the log line of a timed-out invocation. */
export function timedOutLine(requestId: string, timeoutMs: number): string {
  return `${new Date().toISOString()} ${requestId} ${timedOutMessage(timeoutMs)}\n`;
}

/** Formats the log lines of an environment that ended during an invocation. */
export function exitLines(requestId: string, reason: string): string {
  return `RequestId: ${requestId} Error: Runtime exited with error: ${reason}\nRuntime.ExitError\n`;
}

/** Returns the last `maxBytes` bytes of a text, cut at a character boundary, for `X-Amz-Log-Result`. */
export function tail(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;

  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}
