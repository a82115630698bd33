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

/** The logging and metrics surface core code needs; Powertools satisfies it and tests can stub it. */
export interface Telemetry {
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  count(metric: MetricName, value?: number): void;
  countError(errorName: string): void;
  /** Adds the request's ids and `keys` to every log line until `finishRequest`. */
  startRequest(context: LogContext | undefined, keys: Record<string, unknown>): void;
  /** Publishes the request's metrics and drops its log keys. */
  finishRequest(): void;
}

/** Telemetry of one service: a Logger and a Metrics instance with namespace `keystage`. */
export interface ServiceTelemetry extends Telemetry {
  logger: Logger;
  metrics: Metrics;
}

/** Creates the Logger and Metrics of a service; `serviceName` is the function's name. */
export function createServiceTelemetry(serviceName: string): ServiceTelemetry {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });

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
      logger.appendKeys({ function_version: context?.functionVersion ?? process.env.AWS_LAMBDA_FUNCTION_VERSION, ...keys });
    },
    finishRequest: () => {
      metrics.publishStoredMetrics();
      logger.resetKeys();
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
