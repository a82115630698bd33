import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { setReleaseMarker, updateCode } from '../../../../src/core/release/function-code.js';
import { CodeUpdateFailedError, UpdateTimeoutError } from '../../../../src/core/release/index.js';
import { BUCKET, FakeLambda, FUNCTION } from './fakes.js';

const ARTIFACT = { bucket: BUCKET, key: `dev/${FUNCTION}.zip`, versionId: 'v1' };
const OPTIONS = { sleep: async () => undefined, updateWaitSeconds: 1 };

describe('updateCode', () => {
  let lambda: FakeLambda;
  beforeEach(() => {
    lambda = new FakeLambda();
  });
  afterEach(() => lambda.mock.restore());

  it('returns the CodeSha256 of the update', async () => {
    expect(await updateCode(lambda.client, FUNCTION, ARTIFACT, OPTIONS)).toBe(`sha-of-${ARTIFACT.key}@v1`);
  });

  it('reports an update that ends in Failed with its reason', async () => {
    lambda.mock.on(GetFunctionCommand).resolves({ Configuration: { LastUpdateStatus: 'Failed' } });
    lambda.mock.on(GetFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'Failed', LastUpdateStatusReasonCode: 'InvalidZipFileException', LastUpdateStatusReason: 'zip is empty' });

    const error = await updateCode(lambda.client, FUNCTION, ARTIFACT, OPTIONS).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(CodeUpdateFailedError);
    expect((error as Error).message).toMatch(/InvalidZipFileException.*zip is empty/);
  });

  it('times out an update that stays InProgress', async () => {
    lambda.mock.on(GetFunctionCommand).resolves({ Configuration: { LastUpdateStatus: 'InProgress' } });
    vi.useFakeTimers();

    try {
      const outcome = updateCode(lambda.client, FUNCTION, ARTIFACT, OPTIONS).catch((thrown: unknown) => thrown);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await outcome).toBeInstanceOf(UpdateTimeoutError);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails for good when the function does not exist', async () => {
    lambda.mock.on(UpdateFunctionCodeCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));

    const error = await updateCode(lambda.client, FUNCTION, ARTIFACT, OPTIONS).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(CodeUpdateFailedError);
    expect((error as CodeUpdateFailedError).retryable).toBe(false);
  });
});

describe('setReleaseMarker', () => {
  let lambda: FakeLambda;
  beforeEach(() => {
    lambda = new FakeLambda();
  });
  afterEach(() => lambda.mock.restore());

  it('writes nothing when the marker is already set', async () => {
    lambda.latest.variables = { KEYSTAGE_RELEASE: 'same' };

    await setReleaseMarker(lambda.client, FUNCTION, 'same', OPTIONS);

    expect(lambda.mock.commandCalls(UpdateFunctionConfigurationCommand)).toHaveLength(0);
  });
});
