import type { ProviderContext } from '../context.js';
import type { JsonObject, JsonOperation } from '../protocol/json.js';
import {
  optionalBlob,
  optionalBoolean,
  optionalInteger,
  optionalObjectList,
  optionalString,
  optionalStringList,
  optionalStringMap,
  requiredString,
  serveJson,
  validationError,
} from '../protocol/json.js';
import type { LocalRequest, Provider } from '../request.js';
import { CreateAlias, DeleteAlias, ListAliases, UpdateAlias } from './aliases.js';
import { Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncrypt } from './cryptography.js';
import type { KmsScope } from './key-id.js';
import { GetKeyPolicy, ListKeyPolicies, PutKeyPolicy } from './key-policies.js';
import { CancelKeyDeletion, CreateKey, DescribeKey, DisableKey, EnableKey, ListKeys, ScheduleKeyDeletion } from './keys.js';
import { DisableKeyRotation, EnableKeyRotation, GetKeyRotationStatus, ListKeyRotations, RotateKeyOnDemand, rotateDueKeys } from './rotation.js';
import { KmsStore } from './store.js';
import type { Tag } from './store.js';
import { ListResourceTags, TagResource, UntagResource } from './tags.js';

/**
 * Creates the local KMS: symmetric encryption keys, aliases, tags, rotation and deletion, on the
 * json 1.1 protocol (`X-Amz-Target: TrentService.<Operation>`). Keys and aliases are scoped
 * to the request's region, as KMS resources are.
 *
 * LIMITATIONS: keys are `SYMMETRIC_DEFAULT` only, and key policies are stored and returned but
 * not evaluated.
 * Grants, asymmetric and HMAC operations, imported key material, multi-Region keys and custom
 * key stores are not implemented.
 */
export function createKmsProvider(context: ProviderContext): Provider {
  const store = new KmsStore(context.db);
  const scopeOf = (request: LocalRequest): KmsScope => ({
    store,
    region: request.region,
    accountId: request.accountId,
    now: () => new Date(),
    authorize: request.authorize,
  });
  const operations = kmsOperations(scopeOf);

  return {
    service: 'kms',
    handle: async (request) => {
      applyDueLifecycleEvents(store, context);
      return serveJson({ targetPrefix: 'TrentService', operations, logger: context.logger }, request);
    },
  };
}

/** Deletes keys whose deletion date has passed and runs due automatic rotations. */
function applyDueLifecycleEvents(store: KmsStore, context: ProviderContext): void {
  const now = new Date();
  for (const deleted of store.deleteExpiredKeys(now)) {
    context.logger.info('kms key deleted after its pending window', { keyId: deleted.keyId, region: deleted.region });
  }
  rotateDueKeys(store, now, context.logger);
}

type ScopeOf = (request: LocalRequest) => KmsScope;

function kmsOperations(scopeOf: ScopeOf): Record<string, JsonOperation> {
  const keyId = (input: JsonObject) => ({ KeyId: requiredString(input, 'KeyId') });
  const alias = (input: JsonObject) => ({ AliasName: requiredString(input, 'AliasName'), TargetKeyId: requiredString(input, 'TargetKeyId') });
  const page = (input: JsonObject) => ({ Limit: optionalInteger(input, 'Limit'), Marker: optionalString(input, 'Marker') });
  const dataKey = (input: JsonObject) => {
    rejectRecipient(input);
    return {
      KeyId: requiredString(input, 'KeyId'),
      KeySpec: optionalString(input, 'KeySpec'),
      NumberOfBytes: optionalInteger(input, 'NumberOfBytes'),
      EncryptionContext: optionalStringMap(input, 'EncryptionContext'),
      DryRun: optionalBoolean(input, 'DryRun'),
    };
  };

  const operations: Record<string, (scope: KmsScope, input: JsonObject) => object | void> = {
    CreateKey: (scope, input) =>
      CreateKey(scope, {
        Description: optionalString(input, 'Description'),
        KeyUsage: optionalString(input, 'KeyUsage'),
        KeySpec: optionalString(input, 'KeySpec'),
        CustomerMasterKeySpec: optionalString(input, 'CustomerMasterKeySpec'),
        Origin: optionalString(input, 'Origin'),
        Policy: optionalString(input, 'Policy'),
        Tags: readTags(input),
        MultiRegion: optionalBoolean(input, 'MultiRegion'),
        CustomKeyStoreId: optionalString(input, 'CustomKeyStoreId'),
        XksKeyId: optionalString(input, 'XksKeyId'),
      }),
    DescribeKey: (scope, input) => DescribeKey(scope, keyId(input)),
    ListKeys: (scope, input) => ListKeys(scope, page(input)),
    EnableKey: (scope, input) => EnableKey(scope, keyId(input)),
    DisableKey: (scope, input) => DisableKey(scope, keyId(input)),
    ScheduleKeyDeletion: (scope, input) =>
      ScheduleKeyDeletion(scope, { ...keyId(input), PendingWindowInDays: optionalInteger(input, 'PendingWindowInDays') }),
    CancelKeyDeletion: (scope, input) => CancelKeyDeletion(scope, keyId(input)),
    EnableKeyRotation: (scope, input) =>
      EnableKeyRotation(scope, { ...keyId(input), RotationPeriodInDays: optionalInteger(input, 'RotationPeriodInDays') }),
    DisableKeyRotation: (scope, input) => DisableKeyRotation(scope, keyId(input)),
    GetKeyRotationStatus: (scope, input) => GetKeyRotationStatus(scope, keyId(input)),
    RotateKeyOnDemand: (scope, input) => RotateKeyOnDemand(scope, keyId(input)),
    ListKeyRotations: (scope, input) =>
      ListKeyRotations(scope, { ...keyId(input), IncludeKeyMaterial: optionalString(input, 'IncludeKeyMaterial'), ...page(input) }),
    CreateAlias: (scope, input) => CreateAlias(scope, alias(input)),
    UpdateAlias: (scope, input) => UpdateAlias(scope, alias(input)),
    DeleteAlias: (scope, input) => DeleteAlias(scope, { AliasName: requiredString(input, 'AliasName') }),
    ListAliases: (scope, input) => ListAliases(scope, { KeyId: optionalString(input, 'KeyId'), ...page(input) }),
    Encrypt: (scope, input) =>
      Encrypt(scope, {
        KeyId: requiredString(input, 'KeyId'),
        Plaintext: requiredBlob(input, 'Plaintext'),
        EncryptionContext: optionalStringMap(input, 'EncryptionContext'),
        EncryptionAlgorithm: optionalString(input, 'EncryptionAlgorithm'),
        DryRun: optionalBoolean(input, 'DryRun'),
      }),
    Decrypt: (scope, input) => {
      rejectRecipient(input);
      return Decrypt(scope, {
        CiphertextBlob: requiredBlob(input, 'CiphertextBlob'),
        KeyId: optionalString(input, 'KeyId'),
        EncryptionContext: optionalStringMap(input, 'EncryptionContext'),
        EncryptionAlgorithm: optionalString(input, 'EncryptionAlgorithm'),
        DryRun: optionalBoolean(input, 'DryRun'),
      });
    },
    GenerateDataKey: (scope, input) => GenerateDataKey(scope, dataKey(input)),
    GenerateDataKeyWithoutPlaintext: (scope, input) => GenerateDataKeyWithoutPlaintext(scope, dataKey(input)),
    ReEncrypt: (scope, input) =>
      ReEncrypt(scope, {
        CiphertextBlob: requiredBlob(input, 'CiphertextBlob'),
        SourceKeyId: optionalString(input, 'SourceKeyId'),
        SourceEncryptionContext: optionalStringMap(input, 'SourceEncryptionContext'),
        SourceEncryptionAlgorithm: optionalString(input, 'SourceEncryptionAlgorithm'),
        DestinationKeyId: requiredString(input, 'DestinationKeyId'),
        DestinationEncryptionContext: optionalStringMap(input, 'DestinationEncryptionContext'),
        DestinationEncryptionAlgorithm: optionalString(input, 'DestinationEncryptionAlgorithm'),
        DryRun: optionalBoolean(input, 'DryRun'),
      }),
    TagResource: (scope, input) => TagResource(scope, { ...keyId(input), Tags: readTags(input) ?? missing('Tags') }),
    UntagResource: (scope, input) =>
      UntagResource(scope, { ...keyId(input), TagKeys: optionalStringList(input, 'TagKeys') ?? missing('TagKeys') }),
    GetKeyPolicy: (scope, input) => GetKeyPolicy(scope, { ...keyId(input), PolicyName: optionalString(input, 'PolicyName') }),
    PutKeyPolicy: (scope, input) =>
      PutKeyPolicy(scope, { ...keyId(input), Policy: requiredString(input, 'Policy'), PolicyName: optionalString(input, 'PolicyName') }),
    ListKeyPolicies: (scope, input) => ListKeyPolicies(scope, keyId(input)),
    ListResourceTags: (scope, input) => ListResourceTags(scope, { ...keyId(input), ...page(input) }),
  };

  return Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [
      name,
      (input: JsonObject, request: LocalRequest) => (operation(scopeOf(request), input) ?? undefined) as JsonObject | undefined,
    ]),
  );
}

/**
 * Rejects `Recipient`, the Nitro Enclaves attestation document, which the local KMS cannot
 * verify. A response without `CiphertextForRecipient` would return plaintext that the caller
 * meant to keep inside an enclave.
 */
function rejectRecipient(input: JsonObject): void {
  if (input.Recipient !== undefined && input.Recipient !== null) {
    throw validationError('Recipient', 'Recipient (a Nitro Enclaves attestation document) is not supported by the local KMS; leave it out');
  }
}

function readTags(input: JsonObject): Tag[] | undefined {
  return optionalObjectList(input, 'Tags') as Tag[] | undefined;
}

function requiredBlob(input: JsonObject, name: string): Buffer {
  return optionalBlob(input, name) ?? missing(name);
}

function missing(name: string): never {
  throw validationError(name, 'Member must not be null', null);
}
