import type { JsonObject } from '../protocol/rest-json.js';
import { codeSha256 } from './code.js';
import { LATEST, qualifiedArn } from './names.js';
import type { VersionRecord } from './store.js';

/** The state members of a function configuration at one moment. */
export interface VersionStatus {
  state: 'Pending' | 'Active' | 'Failed';
  stateReason?: string;
  stateReasonCode?: string;
  lastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  lastUpdateStatusReason?: string;
  lastUpdateStatusReasonCode?: string;
  revisionId: string;
  /** True while a creation is `Pending` or an update is `InProgress`. */
  settling: boolean;
}

/**
 * Derives `State` and `LastUpdateStatus` from the time of the last change, so that the
 * lifecycle needs no timers and reads the same after a restart. A creation is `Pending` until
 * it settles, an update `InProgress`; Lambda issues a new `RevisionId` when either completes.
 */
export function versionStatus(record: VersionRecord, nowMs: number): VersionStatus {
  const settling = nowMs < record.settlesAtMs;
  const revisionId = settling ? record.revisionId : record.settledRevisionId;

  if (record.changeKind === 'create' && settling) {
    return { state: 'Pending', stateReason: 'The function is being created.', stateReasonCode: 'Creating', revisionId, settling };
  }
  if (record.changeKind === 'create' && record.finalStatus === 'Failed') {
    return {
      state: 'Failed',
      stateReason: record.finalStatusReason,
      stateReasonCode: 'InternalError',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: record.finalStatusReason,
      lastUpdateStatusReasonCode: 'InternalError',
      revisionId,
      settling,
    };
  }
  if (settling) {
    return {
      state: 'Active',
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
      revisionId,
      settling,
    };
  }
  if (record.finalStatus === 'Failed') {
    return {
      state: 'Active',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: record.finalStatusReason,
      lastUpdateStatusReasonCode: 'InternalError',
      revisionId,
      settling,
    };
  }
  return { state: 'Active', lastUpdateStatus: 'Successful', revisionId, settling };
}

/** Formats a time as Lambda's `LastModified`: `2024-05-01T12:00:00.000+0000`. */
export function lastModifiedTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/**
 * Builds the `FunctionConfiguration` shape of Lambda's API for one version. The members that
 * the local cloud fixes (architecture, package type, ephemeral storage) carry Lambda's
 * defaults.
 */
export function functionConfiguration(record: VersionRecord, accountId: string, nowMs: number): JsonObject {
  const status = versionStatus(record, nowMs);
  const { settings } = record;
  const configuration: JsonObject = {
    FunctionName: record.name,
    FunctionArn: qualifiedArn(record.region, accountId, record.name, record.version === LATEST ? undefined : record.version),
    Runtime: settings.runtime,
    Role: settings.role,
    Handler: settings.handler,
    CodeSize: record.codeSizeBytes,
    Description: record.versionDescription ?? settings.description,
    Timeout: settings.timeoutSeconds,
    MemorySize: settings.memorySizeMb,
    LastModified: record.lastModified,
    CodeSha256: codeSha256(record.codeDigest),
    Version: record.version,
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: status.revisionId,
    State: status.state,
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${record.name}` },
  };

  if (Object.keys(settings.environment).length > 0) configuration.Environment = { Variables: settings.environment };
  if (status.stateReason) configuration.StateReason = status.stateReason;
  if (status.stateReasonCode) configuration.StateReasonCode = status.stateReasonCode;
  if (status.lastUpdateStatus) configuration.LastUpdateStatus = status.lastUpdateStatus;
  if (status.lastUpdateStatusReason) configuration.LastUpdateStatusReason = status.lastUpdateStatusReason;
  if (status.lastUpdateStatusReasonCode) configuration.LastUpdateStatusReasonCode = status.lastUpdateStatusReasonCode;
  return configuration;
}

/** True when two versions have the same code and configuration, so publishing adds nothing. */
export function sameCodeAndConfiguration(left: VersionRecord, right: VersionRecord): boolean {
  return left.codeDigest === right.codeDigest && JSON.stringify(sortedSettings(left)) === JSON.stringify(sortedSettings(right));
}

function sortedSettings(record: VersionRecord): unknown {
  const { environment, ...rest } = record.settings;
  const sortedEnvironment = Object.fromEntries(Object.entries(environment).sort(([a], [b]) => a.localeCompare(b)));
  return { ...rest, environment: sortedEnvironment };
}
