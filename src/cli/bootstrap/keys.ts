import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  ListResourceTagsCommand,
  TagResourceCommand,
  paginateListAliases,
} from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';

import { keyAliasName } from '../names.js';
import type { PlanContext, PlannedStep } from './plan-types.js';

/** Tags on every key bootstrap creates, naming the prefix and stage it belongs to. */
export function keyTags(prefix: string, stage: string): { TagKey: string; TagValue: string }[] {
  return [
    { TagKey: 'keystage:prefix', TagValue: prefix },
    { TagKey: 'keystage:stage', TagValue: stage },
  ];
}

/** Lists every alias in the account and region as alias name to target key id. */
export async function listKeyAliases(kms: KMSClient): Promise<Map<string, string | undefined>> {
  const aliases = new Map<string, string | undefined>();
  for await (const page of paginateListAliases({ client: kms }, {})) {
    for (const alias of page.Aliases ?? []) {
      if (alias.AliasName) aliases.set(alias.AliasName, alias.TargetKeyId);
    }
  }
  return aliases;
}

/** Plans one symmetric key per stage behind `alias/<prefix>-<stage>` and restores a key pending deletion. */
export async function planKeys(context: PlanContext): Promise<PlannedStep[]> {
  const { prefix, stages } = context.options;
  const aliases = await listKeyAliases(context.clients.kms);
  const steps: PlannedStep[] = [];

  for (const stage of stages) {
    const aliasName = keyAliasName(prefix, stage);
    const targetKeyId = aliases.get(aliasName);
    if (!targetKeyId) {
      steps.push(createKeyStep(stage, aliasName));
      continue;
    }

    const { KeyMetadata } = await context.clients.kms.send(new DescribeKeyCommand({ KeyId: targetKeyId }));
    if (KeyMetadata?.Arn) context.outputs.keyArns.set(stage, KeyMetadata.Arn);

    if (KeyMetadata?.KeyState === 'PendingDeletion') steps.push(restoreKeyStep(aliasName, targetKeyId));
    else if (KeyMetadata?.KeyState === 'Disabled') steps.push(enableKeyStep(aliasName, targetKeyId));

    const tagStep = await planKeyTags(context, stage, aliasName, targetKeyId);
    if (tagStep) steps.push(tagStep);
  }
  return steps;
}

/** Plans adding or correcting the keystage tags of an existing key; other tags are left alone. */
async function planKeyTags(context: PlanContext, stage: string, aliasName: string, keyId: string): Promise<PlannedStep | undefined> {
  const desired = keyTags(context.options.prefix, stage);
  const current = new Map<string, string | undefined>();
  let marker: string | undefined;
  do {
    const page = await context.clients.kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker }));
    for (const tag of page.Tags ?? []) if (tag.TagKey) current.set(tag.TagKey, tag.TagValue);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);

  const wrong = desired.filter((tag) => current.get(tag.TagKey) !== tag.TagValue);
  if (wrong.length === 0) return undefined;
  return {
    action: 'update',
    resourceType: 'AWS::KMS::Key',
    resource: aliasName,
    detail: `set tags ${wrong.map((tag) => `${tag.TagKey}=${tag.TagValue}`).join(', ')} on key ${keyId}`,
    apply: async (applyContext) => {
      await applyContext.clients.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: wrong }));
    },
  };
}

function createKeyStep(stage: string, aliasName: string): PlannedStep {
  return {
    action: 'create',
    resourceType: 'AWS::KMS::Key',
    resource: aliasName,
    detail: `symmetric encryption key for stage ${stage}, with alias ${aliasName}`,
    apply: async (context) => {
      const { KeyMetadata } = await context.clients.kms.send(
        new CreateKeyCommand({
          Description: `keystage ${stage} stage key (${context.options.prefix})`,
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Tags: keyTags(context.options.prefix, stage),
        }),
      );
      const keyId = KeyMetadata?.KeyId as string;
      await context.clients.kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
      context.outputs.keyArns.set(stage, KeyMetadata?.Arn as string);
    },
  };
}

function restoreKeyStep(aliasName: string, keyId: string): PlannedStep {
  return {
    action: 'restore',
    resourceType: 'AWS::KMS::Key',
    resource: aliasName,
    detail: `key ${keyId} is scheduled for deletion; cancel the deletion and enable it`,
    apply: async (context) => {
      await context.clients.kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
      await context.clients.kms.send(new EnableKeyCommand({ KeyId: keyId }));
    },
  };
}

function enableKeyStep(aliasName: string, keyId: string): PlannedStep {
  return {
    action: 'update',
    resourceType: 'AWS::KMS::Key',
    resource: aliasName,
    detail: `key ${keyId} is disabled; enable it`,
    apply: async (context) => {
      await context.clients.kms.send(new EnableKeyCommand({ KeyId: keyId }));
    },
  };
}
