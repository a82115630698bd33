import type { ProviderContext } from '../context.js';
import type { CredentialIssuer, RoleDirectory } from '../contracts.js';
import type { QueryOperation, XmlValue } from '../protocol/query.js';
import { optionalIntegerParam, readStructureList, requiredParam, serveQuery } from '../protocol/query.js';
import type { LocalRequest, Provider } from '../request.js';
import type { Principal, StsScope } from './operations.js';
import { AssumeRole, GetCallerIdentity, issueRoleCredentials, principalFor } from './operations.js';
import { StsStore } from './store.js';

export const STS_API_VERSION = '2011-06-15';
export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Providers that the STS provider depends on. */
export interface StsDependencies {
  /** IAM's roles, which AssumeRole checks. */
  roles: RoleDirectory;
}

/** The STS provider, the issuer of role credentials, and the lookup of who an access key is. */
export type StsProvider = Provider & CredentialIssuer & { principalFor(accessKeyId: string): Principal };

/**
 * Creates the local STS: GetCallerIdentity and AssumeRole on the query protocol, and role credentials
 * for Lambda execution environments. Issued keys start with `ASIA` and are stored in
 * `sts_credentials`, so they keep their assumed-role identity across restarts.
 *
 * LIMITATIONS: trust policies and session policies are not evaluated. Other STS operations
 * (AssumeRoleWithWebIdentity, GetSessionToken, …) are not implemented.
 */
export function createStsProvider(context: ProviderContext, dependencies: StsDependencies): StsProvider {
  const store = new StsStore(context.db);
  const scopeOf = (request?: LocalRequest): StsScope => ({
    store,
    accountId: context.accountId,
    roles: dependencies.roles,
    now: () => new Date(),
    authorize: request?.authorize ?? (() => undefined),
  });

  const operations: Record<string, QueryOperation> = {
    GetCallerIdentity: (_params, request) => wire(GetCallerIdentity(scopeOf(request), request.accessKeyId)),
    AssumeRole: (params, request) => {
      const input = {
        RoleArn: requiredParam(params, 'RoleArn'),
        RoleSessionName: requiredParam(params, 'RoleSessionName'),
        DurationSeconds: optionalIntegerParam(params, 'DurationSeconds'),
        Policy: params.get('Policy'),
        PolicyArns: readStructureList(params, 'PolicyArns').map((entry) => entry.arn ?? ''),
        Tags: readStructureList(params, 'Tags').map((tag) => ({ Key: tag.Key ?? '', Value: tag.Value ?? '' })),
        ExternalId: params.get('ExternalId'),
        SourceIdentity: params.get('SourceIdentity'),
      };
      return wire(AssumeRole(scopeOf(request), input, request.accessKeyId));
    },
  };

  return {
    service: 'sts',
    handle: (request) => serveQuery({ version: STS_API_VERSION, xmlNamespace: STS_XML_NAMESPACE, operations, logger: context.logger }, request),
    issueRoleCredentials: (roleArn, sessionName) => issueRoleCredentials(scopeOf(), roleArn, sessionName),
    principalFor: (accessKeyId) => principalFor(scopeOf(), accessKeyId),
  };
}

function wire(output: object): Record<string, XmlValue> {
  return output as Record<string, XmlValue>;
}
