/**
 * Structured logs (Powertools Logger) and CloudWatch metrics in EMF (Powertools Metrics) for the
 * services. Log only sizes, ids and timings: never plaintext, ciphertext bodies, data keys or key
 * material.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** Namespace of every keystage metric. */
export const METRICS_NAMESPACE = 'keystage';

/** Metric names, counted once per event. */
export const Metric = {
  encryptions: 'encryptions',
  decryptions: 'decryptions',
  errors: 'errors',
  configRefreshes: 'configRefreshes',
  configNotModified: 'configNotModified',
  configFetchFailures: 'configFetchFailures',
  staleConfigServes: 'staleConfigServes',
  kmsCalls: 'kmsCalls',
} as const;

export type MetricName = (typeof Metric)[keyof typeof Metric];

/** The part of the Lambda context that logs use. */
export interface LogContext {
  awsRequestId?: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
}

/** Log level of the line that ends a request. */
export type RequestOutcomeLevel = 'info' | 'warn' | 'error';

/** The logging and metrics surface core code needs; Powertools satisfies it and tests can stub it. */
export interface Telemetry {
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  count(metric: MetricName, value?: number): void;
  countError(errorName: string): void;
  /** Adds the request's id, the function version and `keys` to every log line from now on. */
  startRequest(context: LogContext | undefined, keys: { stage: string }): void;
  /** Writes the log line that ends a request and publishes the metrics counted during it. */
  finishRequest(level: RequestOutcomeLevel, message: string, fields: Record<string, unknown>): void;
}

/** Telemetry of one service: a Logger and a Metrics instance with namespace `keystage`. */
export interface ServiceTelemetry extends Telemetry {
  logger: Logger;
  metrics: Metrics;
}

/**
 * Creates the Logger and Metrics of a service; `serviceName` is the function's name.
 *
 * Each request costs one log line and one EMF document. Keep the log fields flat, because the
 * Logger (Powertools 2.36) deep-merges nested fields: a line carrying the EMF document as a
 * nested member took several times as long as a flat line with the same other fields. The request
 * id comes from the Lambda context on every request, while the function version and stage are
 * appended only when they differ from the previous request's. Errors by type are published at once on a
 * line of their own, because their `errorType` dimension must not apply to the request's other
 * metrics.
 */
export function createServiceTelemetry(serviceName: string): ServiceTelemetry {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  let appended: { functionVersion: string | undefined; stage: string } | undefined;

  return {
    logger,
    metrics,
    count: (metric, value = 1) => metrics.addMetric(metric, MetricUnit.Count, value),
    countError: (errorName) => {
      const single = metrics.singleMetric();
      single.addDimension('errorType', errorName);
      single.addMetric(Metric.errors, MetricUnit.Count, 1);
    },
    startRequest: (context, keys) => {
      if (context?.awsRequestId) logger.addContext(context as Parameters<Logger['addContext']>[0]);

      const functionVersion = context?.functionVersion ?? process.env.AWS_LAMBDA_FUNCTION_VERSION;
      if (appended !== undefined && appended.functionVersion === functionVersion && appended.stage === keys.stage) return;
      logger.appendKeys({ function_version: functionVersion, stage: keys.stage });
      appended = { functionVersion, stage: keys.stage };
    },
    finishRequest: (level, message, fields) => {
      logger[level](message, fields);
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

/** Telemetry that records nothing, for code run outside a service (tests, benchmarks, the CLI). */
export const silentTelemetry: Telemetry = {
  logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  count: () => undefined,
  countError: () => undefined,
  startRequest: () => undefined,
  finishRequest: () => undefined,
};
