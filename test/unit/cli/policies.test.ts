import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';

import { parsePolicyDocument, renderPolicy, renderPolicyFile, samePolicy } from '../../../src/cli/bootstrap/policies.js';
import { policyVariables } from '../../../src/cli/bootstrap/roles.js';
import { CliError } from '../../../src/cli/errors.js';

const ACCOUNT = '000000000000';
const installation = { prefix: 'keystage', accountId: ACCOUNT, region: 'us-east-1' };
const variables = policyVariables({ installation, options: { ...installation, stages: ['dev', 'staging', 'prod'], zips: {} } });
const CONFIG_BUCKET = `keystage-config-${ACCOUNT}-us-east-1`;
const ARTIFACT_BUCKET = `keystage-artifacts-${ACCOUNT}-us-east-1`;

type Statement = { Sid?: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> };

function statements(service: string): Statement[] {
  return renderPolicyFile(service, 'policy', variables).Statement as Statement[];
}

function actionsOf(service: string): string[] {
  return statements(service).flatMap((statement) => [statement.Action].flat());
}

async function allowed(service: string, action: string, resource: string): Promise<boolean> {
  const result = await runSimulation(
    {
      request: { principal: `arn:aws:iam::${ACCOUNT}:role/keystage-${service}`, action, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
      identityPolicies: [{ name: service, policy: renderPolicyFile(service, 'policy', variables) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  return (result as { overallResult?: string }).overallResult === 'Allowed';
}

describe('renderPolicy', () => {
  it('fills scalar placeholders', () => {
    expect(renderPolicy({ Resource: 'arn:aws:s3:::${ConfigBucket}/x' }, variables)).toEqual({ Resource: `arn:aws:s3:::${CONFIG_BUCKET}/x` });
  });

  it('expands a list placeholder per value', () => {
    expect(renderPolicy(['a/${Stage}/config.json'], variables)).toEqual(['a/dev/config.json', 'a/staging/config.json', 'a/prod/config.json']);
  });

  it('rejects a list placeholder outside an array', () => {
    expect(() => renderPolicy({ Resource: '${Stage}' }, variables)).toThrow(/must sit inside a JSON array/);
  });

  it('rejects an unknown placeholder by name', () => {
    expect(() => renderPolicy('${Bucket}', variables)).toThrow(CliError);
    expect(() => renderPolicy('${Bucket}', variables)).toThrow(/unknown placeholder \$\{Bucket\}/);
  });

  it('leaves no placeholder in any template', () => {
    for (const service of ['encryption', 'decryption', 'deploy']) {
      for (const kind of ['policy', 'trust'] as const) {
        expect(JSON.stringify(renderPolicyFile(service, kind, variables))).not.toContain('${');
      }
    }
  });
});

describe('samePolicy', () => {
  it('ignores key order and URL encoding', () => {
    const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
    const returned = encodeURIComponent(JSON.stringify({ Statement: [{ Resource: '*', Action: 's3:GetObject', Effect: 'Allow' }], Version: '2012-10-17' }));

    expect(samePolicy(parsePolicyDocument(returned), document)).toBe(true);
  });

  it('notices a changed action', () => {
    expect(samePolicy({ Action: 'kms:Encrypt' }, { Action: 'kms:Decrypt' })).toBe(false);
  });
});

describe('trust policies', () => {
  it('let only Lambda of this account assume each role', () => {
    const trust = renderPolicyFile('encryption', 'trust', variables) as { Statement: { Principal: unknown; Condition: unknown }[] };

    expect(trust.Statement[0]?.Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    expect(trust.Statement[0]?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': ACCOUNT } });
  });
});

describe('least privilege', () => {
  it('keeps Decrypt away from the encryption role', () => {
    expect(actionsOf('encryption')).not.toContain('kms:Decrypt');
  });

  it('keeps Encrypt away from the decryption role', () => {
    expect(actionsOf('decryption')).not.toContain('kms:Encrypt');
    expect(actionsOf('decryption')).not.toContain('kms:GenerateDataKey');
  });

  it('conditions KMS statements on context and aliases', () => {
    const kmsStatements = ['encryption', 'decryption'].flatMap((service) => statements(service).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('kms:'))));

    expect(kmsStatements).toHaveLength(2);
    for (const statement of kmsStatements) {
      expect(statement.Condition?.StringEquals?.['kms:EncryptionContext:service']).toBe('keystage');
      expect(statement.Condition?.['ForAnyValue:StringLike']?.['kms:ResourceAliases']).toBe('alias/keystage-*');
    }
  });

  it('gives the deploy role no KMS or IAM actions', () => {
    expect(actionsOf('deploy').filter((action) => action.startsWith('kms:') || action.startsWith('iam:'))).toEqual([]);
  });

  it('lets the services read each stage config', async () => {
    expect(await allowed('encryption', 's3:GetObject', `arn:aws:s3:::${CONFIG_BUCKET}/prod/config.json`)).toBe(true);
    expect(await allowed('decryption', 's3:GetObject', `arn:aws:s3:::${CONFIG_BUCKET}/dev/config.json`)).toBe(true);
  });

  it('denies the services other objects of the config bucket', async () => {
    expect(await allowed('encryption', 's3:GetObject', `arn:aws:s3:::${CONFIG_BUCKET}/dev/secrets.json`)).toBe(false);
    expect(await allowed('encryption', 's3:PutObject', `arn:aws:s3:::${CONFIG_BUCKET}/dev/config.json`)).toBe(false);
  });

  it('limits deploy writes to .keystage/', async () => {
    expect(await allowed('deploy', 's3:PutObject', `arn:aws:s3:::${ARTIFACT_BUCKET}/.keystage/ledger/keystage-encryption/dev.json`)).toBe(true);
    expect(await allowed('deploy', 's3:PutObject', `arn:aws:s3:::${ARTIFACT_BUCKET}/dev/keystage-encryption.zip`)).toBe(false);
  });

  it('lets the deploy role read the uploaded artifacts', async () => {
    expect(await allowed('deploy', 's3:GetObjectVersion', `arn:aws:s3:::${ARTIFACT_BUCKET}/staging/keystage-decryption.zip`)).toBe(true);
  });

  it('lets the deploy role change only the keystage functions', async () => {
    expect(await allowed('deploy', 'lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:keystage-encryption`)).toBe(true);
    expect(await allowed('deploy', 'lambda:UpdateAlias', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:keystage-decryption:prod`)).toBe(true);
    expect(await allowed('deploy', 'lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:billing`)).toBe(false);
  });

  it('lets the deploy role restore an alias it created', async () => {
    expect(await allowed('deploy', 'lambda:DeleteAlias', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:keystage-encryption:dev`)).toBe(true);
    expect(await allowed('deploy', 'lambda:DeleteFunction', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:keystage-encryption`)).toBe(false);
  });

  it('lets the deploy role invoke itself for continuations', async () => {
    expect(await allowed('deploy', 'lambda:InvokeFunction', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:keystage-deploy`)).toBe(true);
  });

  it('lets each role write only its own log group', async () => {
    expect(await allowed('encryption', 'logs:PutLogEvents', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/keystage-encryption:log-stream:x`)).toBe(true);
    expect(await allowed('encryption', 'logs:PutLogEvents', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/keystage-deploy:log-stream:x`)).toBe(false);
  });
});
