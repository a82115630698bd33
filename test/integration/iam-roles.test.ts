import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteConflictException,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  IAMServiceException,
  InvalidInputException,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListRolesCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestCloud } from '../support/localcloud.js';
import type { TestCloud } from '../support/localcloud.js';

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const DECRYPT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: '*' }],
});
const BASIC_EXECUTION = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

let cloud: TestCloud;
let iam: IAMClient;
let roleCounter = 0;

beforeAll(async () => {
  cloud = await startTestCloud();
  iam = new IAMClient({ ...cloud.clientConfig, maxAttempts: 1 });
});

afterAll(async () => {
  iam.destroy();
  await cloud.stop();
});

async function createRole(overrides: Partial<{ RoleName: string; Path: string; Description: string }> = {}) {
  roleCounter += 1;
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: `keystage-role-${roleCounter}`, AssumeRolePolicyDocument: TRUST_POLICY, ...overrides }),
  );
  return Role!;
}

async function errorOf(promise: Promise<unknown>): Promise<IAMServiceException> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as IAMServiceException,
  );
}

describe('CreateRole and GetRole', () => {
  it('creates a role with path, description and tags', async () => {
    const role = await createRole({ Path: '/service/', Description: 'runs keystage' });
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: role.RoleName }));

    expect(role.Arn).toBe(`arn:aws:iam::000000000000:role/service/${role.RoleName}`);
    expect(role.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(Role).toMatchObject({ Path: '/service/', Description: 'runs keystage', MaxSessionDuration: 3600, RoleId: role.RoleId });
    expect(Role?.CreateDate).toBeInstanceOf(Date);
  });

  it('returns the trust policy URL-encoded, as IAM does', async () => {
    const role = await createRole();

    expect(role.AssumeRolePolicyDocument).toBe(encodeURIComponent(TRUST_POLICY));
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!))).toEqual(JSON.parse(TRUST_POLICY));
  });

  it('keeps tags given at creation', async () => {
    roleCounter += 1;
    const roleName = `keystage-tagged-${roleCounter}`;
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: TRUST_POLICY, Tags: [{ Key: 'stage', Value: 'dev' }] }));

    const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));

    expect(Role?.Tags).toEqual([{ Key: 'stage', Value: 'dev' }]);
  });

  it('rejects a role name that exists in another case', async () => {
    const role = await createRole();

    await expect(
      iam.send(new CreateRoleCommand({ RoleName: role.RoleName!.toUpperCase(), AssumeRolePolicyDocument: TRUST_POLICY })),
    ).rejects.toBeInstanceOf(EntityAlreadyExistsException);
  });

  it('rejects a trust policy that is not JSON', async () => {
    await expect(
      iam.send(new CreateRoleCommand({ RoleName: 'keystage-bad-json', AssumeRolePolicyDocument: '{"Version": ' })),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);
  });

  it('rejects a trust policy without a principal', async () => {
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] });

    await expect(
      iam.send(new CreateRoleCommand({ RoleName: 'keystage-no-principal', AssumeRolePolicyDocument: document })),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);
  });

  it('rejects an invalid role name', async () => {
    const error = await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'has space', AssumeRolePolicyDocument: TRUST_POLICY })));

    expect(error.name).toBe('ValidationError');
  });

  it('rejects an unknown role', async () => {
    const error = await errorOf(iam.send(new GetRoleCommand({ RoleName: 'missing-role' })));

    expect(error).toBeInstanceOf(NoSuchEntityException);
    expect(error.message).toBe('The role with name missing-role cannot be found.');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('UpdateRole', () => {
  it('changes the description and maximum session duration', async () => {
    const role = await createRole({ Description: 'before' });

    await iam.send(new UpdateRoleCommand({ RoleName: role.RoleName, Description: 'after', MaxSessionDuration: 7200 }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: role.RoleName }));

    expect(Role).toMatchObject({ Description: 'after', MaxSessionDuration: 7200 });
  });

  it('keeps what the request leaves out', async () => {
    const role = await createRole({ Description: 'kept' });

    await iam.send(new UpdateRoleCommand({ RoleName: role.RoleName, MaxSessionDuration: 7200 }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: role.RoleName }));

    expect(Role?.Description).toBe('kept');
  });

  it('rejects a session duration over 12 hours', async () => {
    const role = await createRole();

    const error = await errorOf(iam.send(new UpdateRoleCommand({ RoleName: role.RoleName, MaxSessionDuration: 43201 })));

    expect(error.name).toBe('ValidationError');
  });
});

describe('UpdateAssumeRolePolicy', () => {
  it('replaces the trust policy', async () => {
    const role = await createRole();
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }],
    });

    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.RoleName, PolicyDocument: trust }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: role.RoleName }));

    expect(decodeURIComponent(Role!.AssumeRolePolicyDocument!)).toBe(trust);
  });

  it('rejects a trust policy that is not JSON', async () => {
    const role = await createRole();

    await expect(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.RoleName, PolicyDocument: '{' })),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);
  });

  it('rejects an unknown role', async () => {
    await expect(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'missing-role', PolicyDocument: TRUST_POLICY })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
  });
});

describe('ListRoles', () => {
  it('lists roles under a path prefix, page by page', async () => {
    await createRole({ Path: '/listing/' });
    await createRole({ Path: '/listing/' });

    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/listing/', MaxItems: 1 }));
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/listing/', Marker: first.Marker }));

    expect(first.IsTruncated).toBe(true);
    expect(first.Roles).toHaveLength(1);
    expect(second.Roles).toHaveLength(1);
    expect(second.Roles?.[0]?.RoleName).not.toBe(first.Roles?.[0]?.RoleName);
  });
});

describe('inline role policies', () => {
  it('puts, gets and lists an inline policy', async () => {
    const role = await createRole();

    await iam.send(new PutRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'decrypt', PolicyDocument: DECRYPT_POLICY }));
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'decrypt' }));
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: role.RoleName }));

    expect(policy.RoleName).toBe(role.RoleName);
    expect(policy.PolicyDocument).toBe(encodeURIComponent(DECRYPT_POLICY).replaceAll('*', '%2A'));
    expect(listed.PolicyNames).toEqual(['decrypt']);
  });

  it('rejects a policy document that is not JSON', async () => {
    const role = await createRole();

    await expect(
      iam.send(new PutRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'broken', PolicyDocument: 'not json' })),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);
  });

  it('rejects a policy statement without a resource', async () => {
    const role = await createRole();
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt' }] });

    await expect(
      iam.send(new PutRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'no-resource', PolicyDocument: document })),
    ).rejects.toBeInstanceOf(MalformedPolicyDocumentException);
  });

  it('rejects getting a policy the role does not have', async () => {
    const role = await createRole();

    await expect(iam.send(new GetRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'absent' }))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
  });

  it('rejects putting a policy on an unknown role', async () => {
    await expect(
      iam.send(new PutRolePolicyCommand({ RoleName: 'missing-role', PolicyName: 'p', PolicyDocument: DECRYPT_POLICY })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
  });

  it('deletes an inline policy', async () => {
    const role = await createRole();
    await iam.send(new PutRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'decrypt', PolicyDocument: DECRYPT_POLICY }));

    await iam.send(new DeleteRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'decrypt' }));
    const listed = await iam.send(new ListRolePoliciesCommand({ RoleName: role.RoleName }));

    expect(listed.PolicyNames).toEqual([]);
  });
});

describe('managed policy attachments', () => {
  it('attaches, lists and detaches an AWS managed policy', async () => {
    const role = await createRole();

    await iam.send(new AttachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: BASIC_EXECUTION }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: BASIC_EXECUTION }));
    const detached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }));

    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: BASIC_EXECUTION }]);
    expect(detached.AttachedPolicies).toEqual([]);
  });

  it('rejects an unknown managed policy', async () => {
    const role = await createRole();

    await expect(
      iam.send(new AttachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicyEver' })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
  });

  it('rejects a malformed policy ARN', async () => {
    const role = await createRole();

    await expect(
      iam.send(new AttachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: 'not-an-arn-at-all-really' })),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });

  it('rejects detaching a policy that is not attached', async () => {
    const role = await createRole();

    await expect(iam.send(new DetachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: BASIC_EXECUTION }))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
  });
});

describe('DeleteRole', () => {
  it('rejects deleting a role with an inline policy', async () => {
    const role = await createRole();
    await iam.send(new PutRolePolicyCommand({ RoleName: role.RoleName, PolicyName: 'decrypt', PolicyDocument: DECRYPT_POLICY }));

    const error = await errorOf(iam.send(new DeleteRoleCommand({ RoleName: role.RoleName })));

    expect(error).toBeInstanceOf(DeleteConflictException);
    expect(error.$metadata.httpStatusCode).toBe(409);
  });

  it('rejects deleting a role with an attached policy', async () => {
    const role = await createRole();
    await iam.send(new AttachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: BASIC_EXECUTION }));

    await expect(iam.send(new DeleteRoleCommand({ RoleName: role.RoleName }))).rejects.toBeInstanceOf(DeleteConflictException);
  });

  it('deletes a role without policies', async () => {
    const role = await createRole();

    await iam.send(new DeleteRoleCommand({ RoleName: role.RoleName }));

    await expect(iam.send(new GetRoleCommand({ RoleName: role.RoleName }))).rejects.toBeInstanceOf(NoSuchEntityException);
  });
});

describe('role tags', () => {
  it('tags, replaces, lists and untags', async () => {
    const role = await createRole();

    await iam.send(new TagRoleCommand({ RoleName: role.RoleName, Tags: [{ Key: 'team', Value: 'a' }, { Key: 'stage', Value: 'dev' }] }));
    await iam.send(new TagRoleCommand({ RoleName: role.RoleName, Tags: [{ Key: 'team', Value: 'b' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: role.RoleName, TagKeys: ['stage'] }));
    const { Tags } = await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName }));

    expect(Tags).toEqual([{ Key: 'team', Value: 'b' }]);
  });

  it('rejects a reserved aws: tag key', async () => {
    const role = await createRole();

    await expect(
      iam.send(new TagRoleCommand({ RoleName: role.RoleName, Tags: [{ Key: 'aws:owner', Value: 'x' }] })),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });

  it('rejects more than 50 tags', async () => {
    const role = await createRole();
    const tags = Array.from({ length: 51 }, (_, index) => ({ Key: `k${index}`, Value: 'v' }));

    const error = await errorOf(iam.send(new TagRoleCommand({ RoleName: role.RoleName, Tags: tags })));

    expect(error.name).toBe('LimitExceededException');
  });
});
