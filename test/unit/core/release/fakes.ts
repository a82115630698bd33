/**
 * In-memory S3 and Lambda behind aws-sdk-client-mock, for release engine tests: S3 objects with
 * ETags and conditional writes, and a Lambda function with $LATEST, versions and aliases that
 * behaves as AWS documents for the calls the engine makes.
 */
import { createHash } from 'node:crypto';

import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';

import { DEFAULT_RELEASE_SETTINGS } from '../../../../src/core/release/index.js';
import type { ReleaseRuntime, ReleaseState } from '../../../../src/core/release/index.js';

export const BUCKET = 'keystage-artifacts-000000000000-us-east-1';
export const FUNCTION = 'keystage-encryption';

interface StoredObject {
  body: Buffer;
  etag: string;
  metadata: Record<string, string>;
  versions: Map<string, { body: Buffer; metadata: Record<string, string> }>;
}

/** An S3 bucket in memory. `failNextPuts` makes the next conditional puts to a key fail with 412. */
export class FakeS3 {
  readonly objects = new Map<string, StoredObject>();
  readonly failNextPuts = new Map<string, number>();
  readonly mock = mockClient(S3Client);
  readonly client = new S3Client({ region: 'us-east-1' });

  constructor() {
    this.mock.on(GetObjectCommand).callsFake((input: { Key: string; VersionId?: string }) => this.get(input.Key, input.VersionId));
    this.mock.on(HeadObjectCommand).callsFake((input: { Key: string; VersionId?: string }) => {
      const object = this.objects.get(input.Key);
      const version = input.VersionId ? object?.versions.get(input.VersionId) : object;
      if (!version) throw new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
      return { Metadata: version.metadata, ContentLength: version.body.length };
    });
    this.mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfMatch?: string; IfNoneMatch?: string }) => this.put(input));
  }

  /** Stores a document as the engine would find it, and returns its ETag. */
  putJson(key: string, value: unknown): string {
    return this.put({ Key: key, Body: JSON.stringify(value) }).ETag;
  }

  /** Stores an uploaded artifact version with metadata. */
  upload(key: string, versionId: string, body: Buffer, metadata: Record<string, string>): void {
    this.put({ Key: key, Body: body, Metadata: metadata });
    const object = this.objects.get(key) as StoredObject;
    object.versions.set(versionId, { body, metadata });
  }

  json<T>(key: string): T | undefined {
    const object = this.objects.get(key);
    return object ? (JSON.parse(object.body.toString('utf8')) as T) : undefined;
  }

  private get(key: string, versionId?: string) {
    const object = this.objects.get(key);
    const version = versionId ? object?.versions.get(versionId) : object;
    if (!object || !version) throw new NoSuchKey({ message: `No such key ${key}`, $metadata: { httpStatusCode: 404 } });
    const body = version.body;
    return {
      ETag: object.etag,
      Body: {
        transformToString: async () => body.toString('utf8'),
        async *[Symbol.asyncIterator]() {
          yield new Uint8Array(body);
        },
      },
    };
  }

  private put(input: { Key: string; Body: string | Buffer; IfMatch?: string; IfNoneMatch?: string; Metadata?: Record<string, string> }) {
    const existing = this.objects.get(input.Key);
    const pendingFailures = this.failNextPuts.get(input.Key) ?? 0;
    const conditional = input.IfMatch !== undefined || input.IfNoneMatch !== undefined;
    const conditionFails = (input.IfNoneMatch === '*' && existing !== undefined) || (input.IfMatch !== undefined && existing?.etag !== input.IfMatch);

    if (conditional && pendingFailures > 0) this.failNextPuts.set(input.Key, pendingFailures - 1);
    if (conditional && (pendingFailures > 0 || conditionFails)) {
      throw new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
    }

    const body = Buffer.isBuffer(input.Body) ? input.Body : Buffer.from(input.Body);
    const etag = `"${createHash('md5').update(body).update(String(Math.random())).digest('hex')}"`;
    this.objects.set(input.Key, { body, etag, metadata: input.Metadata ?? {}, versions: existing?.versions ?? new Map() });
    return { ETag: etag };
  }
}

interface PublishedVersion {
  version: string;
  codeSha256: string;
  marker: string | undefined;
  description: string;
}

/** A Lambda function in memory with its versions and aliases. */
export class FakeLambda {
  readonly mock = mockClient(LambdaClient);
  readonly client = new LambdaClient({ region: 'us-east-1' });
  latest = { codeSha256: 'initial', variables: { CONFIG_BUCKET: 'config' } as Record<string, string>, revision: 1 };
  readonly versions: PublishedVersion[] = [];
  readonly aliases = new Map<string, { functionVersion: string; weights: Record<string, number>; revision: number }>();
  /** Versions whose invocations fail, as a handler that throws would. */
  readonly failingVersions = new Set<string>();
  /** Versions that fail once they served this many invocations. */
  readonly failingAfter = new Map<string, number>();
  /** Object keys whose code Lambda rejects as an invalid zip. */
  readonly corruptKeys = new Set<string>();
  readonly invocations: string[] = [];
  conflictsBeforePublish = 0;

  constructor() {
    this.mock.on(UpdateFunctionCodeCommand).callsFake((input: { S3Key: string; S3ObjectVersion: string }) => {
      if (this.corruptKeys.has(input.S3Key)) {
        throw new InvalidParameterValueException({ message: 'Could not unzip uploaded file.', $metadata: { httpStatusCode: 400 } });
      }
      this.latest = { ...this.latest, codeSha256: `sha-of-${input.S3Key}@${input.S3ObjectVersion}`, revision: this.latest.revision + 1 };
      return { CodeSha256: this.latest.codeSha256, LastUpdateStatus: 'InProgress' };
    });
    this.mock.on(GetFunctionCommand).callsFake(() => ({ Configuration: { LastUpdateStatus: 'Successful' } }));
    this.mock.on(GetFunctionConfigurationCommand).callsFake((input: { Qualifier?: string }) => {
      if (input.Qualifier) {
        const version = this.versions.find((candidate) => candidate.version === input.Qualifier);
        if (!version) throw new ResourceNotFoundException({ message: 'Function not found', $metadata: { httpStatusCode: 404 } });
        return { Version: version.version, CodeSha256: version.codeSha256, Description: version.description };
      }
      return { Environment: { Variables: { ...this.latest.variables } }, RevisionId: `r${this.latest.revision}`, LastUpdateStatus: 'Successful' };
    });
    this.mock.on(UpdateFunctionConfigurationCommand).callsFake((input: { Environment: { Variables: Record<string, string> }; RevisionId?: string }) => {
      if (input.RevisionId && input.RevisionId !== `r${this.latest.revision}`) {
        throw new PreconditionFailedException({ message: 'Revision changed', $metadata: { httpStatusCode: 412 } });
      }
      this.latest = { ...this.latest, variables: { ...input.Environment.Variables }, revision: this.latest.revision + 1 };
      return { LastUpdateStatus: 'InProgress' };
    });
    this.mock.on(PublishVersionCommand).callsFake((input: { Description?: string; CodeSha256?: string }) => this.publish(input));
    this.mock.on(GetAliasCommand).callsFake((input: { Name: string }) => {
      const alias = this.aliases.get(input.Name);
      if (!alias) throw new ResourceNotFoundException({ message: 'Alias not found', $metadata: { httpStatusCode: 404 } });
      return { FunctionVersion: alias.functionVersion, RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } }, RevisionId: `a${alias.revision}` };
    });
    this.mock.on(CreateAliasCommand).callsFake((input: AliasInput) => this.setAlias(input, undefined));
    this.mock.on(UpdateAliasCommand).callsFake((input: AliasInput & { RevisionId?: string }) => this.setAlias(input, input.RevisionId));
    this.mock.on(DeleteAliasCommand).callsFake((input: { Name: string }) => {
      this.aliases.delete(input.Name);
      return {};
    });
    this.mock.on(InvokeCommand).callsFake((input: { Qualifier?: string; InvocationType?: string }) => {
      const qualifier = input.Qualifier ?? '$LATEST';
      this.invocations.push(qualifier);
      const version = this.aliases.get(qualifier)?.functionVersion ?? qualifier;
      const servedBefore = this.invocations.filter((invoked) => invoked === qualifier).length - 1;
      const budget = this.failingAfter.get(version);
      if (this.failingVersions.has(version) || (budget !== undefined && servedBefore >= budget)) {
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: 'boom on load' })) };
      }
      return { StatusCode: input.InvocationType === 'Event' ? 202 : 200, Payload: Buffer.from('{}') };
    });
  }

  alias(name: string) {
    return this.aliases.get(name);
  }

  private publish(input: { Description?: string; CodeSha256?: string }) {
    if (this.conflictsBeforePublish > 0) {
      this.conflictsBeforePublish -= 1;
      throw new ResourceConflictException({ message: 'An update is in progress', $metadata: { httpStatusCode: 409 } });
    }
    if (input.CodeSha256 && input.CodeSha256 !== this.latest.codeSha256) {
      throw new PreconditionFailedException({ message: 'CodeSha256 does not match', $metadata: { httpStatusCode: 412 } });
    }

    const marker = this.latest.variables.KEYSTAGE_RELEASE;
    const last = this.versions.at(-1);
    if (last && last.codeSha256 === this.latest.codeSha256 && last.marker === marker) {
      return { Version: last.version, CodeSha256: last.codeSha256 };
    }

    const version = { version: String(this.versions.length + 1), codeSha256: this.latest.codeSha256, marker, description: input.Description ?? '' };
    this.versions.push(version);
    return { Version: version.version, CodeSha256: version.codeSha256 };
  }

  private setAlias(input: AliasInput, revisionId: string | undefined) {
    const existing = this.aliases.get(input.Name);
    if (revisionId !== undefined && existing && revisionId !== `a${existing.revision}`) {
      throw new PreconditionFailedException({ message: 'Alias revision changed', $metadata: { httpStatusCode: 412 } });
    }
    const revision = (existing?.revision ?? 0) + 1;
    this.aliases.set(input.Name, { functionVersion: input.FunctionVersion, weights: { ...(input.RoutingConfig?.AdditionalVersionWeights ?? {}) }, revision });
    return { RevisionId: `a${revision}` };
  }
}

type AliasInput = { Name: string; FunctionVersion: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } };

/** A clock that only moves when the engine sleeps, so bakes take no real time. */
export class FakeClock {
  nowMs = Date.parse('2026-01-01T00:00:00Z');
  remainingMs = 900_000;
  readonly now = () => this.nowMs;
  readonly sleep = async (ms: number) => {
    this.nowMs += ms;
    this.remainingMs -= ms;
  };
}

/** Builds a release runtime over the fakes; `continued` collects states handed to a follow-up invocation. */
export function fakeRuntime(s3: FakeS3, lambda: FakeLambda, clock = new FakeClock(), overrides: Partial<ReleaseRuntime> = {}) {
  const continued: ReleaseState[] = [];
  const runtime: ReleaseRuntime = {
    s3: s3.client,
    lambda: lambda.client,
    logger: new Logger({ serviceName: 'keystage-deploy-test', logLevel: 'SILENT' }),
    bucket: BUCKET,
    settings: { ...DEFAULT_RELEASE_SETTINGS },
    sleep: clock.sleep,
    now: clock.now,
    remainingTimeMs: () => clock.remainingMs,
    owner: 'test-owner',
    continueLater: async (state) => {
      continued.push(structuredClone(state));
    },
    ...overrides,
  };
  return { runtime, continued, clock };
}

/** Builds an S3 notification record in AWS's shape. */
export function s3Record(key: string, overrides: { versionId?: string; sequencer?: string; size?: number; eventName?: string; bucket?: string } = {}) {
  return {
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    s3: {
      bucket: { name: overrides.bucket ?? BUCKET },
      object: { key, size: overrides.size ?? 100, versionId: overrides.versionId ?? 'v1', sequencer: overrides.sequencer ?? '0055AED6DCD90281E5' },
    },
  };
}
