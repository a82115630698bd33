/**
 * The AWS managed policies in the local IAM, with their documents, so that roles can
 * attach them and IAM enforcement can read them. AttachRolePolicy rejects any other
 * `arn:aws:iam::aws:policy/...` ARN with NoSuchEntity.
 * NOTE: AWS has several hundred managed policies and this table contains five common ones. Their
 * documents were written down from AWS's managed policy reference, not fetched, so a later
 * version that AWS publishes can differ.
 */
export interface ManagedPolicy {
  arn: string;
  name: string;
  path: string;
  document: object;
}

function managedPolicy(path: string, name: string, statements: object[]): ManagedPolicy {
  return { arn: `arn:aws:iam::aws:policy${path}${name}`, name, path, document: { Version: '2012-10-17', Statement: statements } };
}

const MANAGED_POLICIES: ManagedPolicy[] = [
  managedPolicy('/service-role/', 'AWSLambdaBasicExecutionRole', [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ]),
  managedPolicy('/service-role/', 'AWSLambdaRole', [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ['*'] }]),
  managedPolicy('/', 'AdministratorAccess', [{ Effect: 'Allow', Action: '*', Resource: '*' }]),
  managedPolicy('/', 'AmazonS3FullAccess', [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }]),
  managedPolicy('/', 'AmazonS3ReadOnlyAccess', [
    {
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
      Resource: '*',
    },
  ]),
];

const BY_ARN = new Map(MANAGED_POLICIES.map((policy) => [policy.arn, policy]));

/** Finds a known AWS managed policy by ARN. */
export function findManagedPolicy(policyArn: string): ManagedPolicy | undefined {
  return BY_ARN.get(policyArn);
}
