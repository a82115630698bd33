import { member, readJsonObject } from '../protocol/rest-json.js';
import type { JsonObject, RestJsonInput, RestJsonRoute } from '../protocol/rest-json.js';
import { aliasConfiguration, createAlias, deleteAlias, getAlias, listAliases, updateAlias } from './aliases.js';
import type { CodeSource } from './code.js';
import { functionConfiguration } from './configuration.js';
import { InvalidParameterValueException, RequestTooLargeException } from './errors.js';
import { createFunction, deleteFunction, updateFunctionCode, updateFunctionConfiguration } from './functions.js';
import type { SettingsChange } from './functions.js';
import { resolveTarget } from './lookup.js';
import type { LambdaState } from './lookup.js';
import { LATEST, parseFunctionReference, qualifiedArn } from './names.js';
import type { FunctionReference } from './names.js';
import { addPermission, getPolicy, removePermission } from './permissions.js';
import type { VersionRecord } from './store.js';
import { listVersionsByFunction, paginate, publishLatest } from './versions.js';

/** The largest CreateFunction or UpdateFunctionCode request: a 50 MB zip in base64, as Lambda states it. */
export const MAX_CODE_REQUEST_BYTES = 69_905_067;
/** The largest body of the other control-plane operations. */
export const MAX_CONTROL_REQUEST_BYTES = 1_048_576;

/** Callbacks of the control-plane routes into the rest of the provider. */
export interface ControlPlaneHooks {
  /** The URL where GetFunction's `Code.Location` serves a zip. */
  codeLocation(name: string, digest: string): string;
  /** Called after `$LATEST` changed, so that warm environments of the old code stop. */
  onLatestChanged(region: string, name: string): void;
  /** Called after a function or version is gone. */
  onDeleted(region: string, name: string): void;
}

/** Builds the HTTP bindings of Lambda's control-plane operations, as in Lambda's API model. */
export function controlPlaneRoutes(state: LambdaState, hooks: ControlPlaneHooks): RestJsonRoute[] {
  const configuration = (record: VersionRecord): JsonObject => functionConfiguration(record, state.accountId, state.nowMs());

  return [
    route('CreateFunction', 'POST', '/2015-03-31/functions', 201, async (input) => {
      const body = await readCodeBody(input, 'CreateFunction');
      const name = member.requiredString(body, 'FunctionName');
      const reference = unqualified(parseFunctionReference(name, input.request.region, state.accountId), 'CreateFunction');
      authorizeFunction(input, state, 'lambda:CreateFunction', reference);
      if (member.string(body, 'PackageType') === 'Image') {
        throw new InvalidParameterValueException('The local cloud runs .zip functions only: use PackageType Zip with a Node.js runtime.');
      }
      const record = createFunction(state, reference.region, {
        name: reference.name,
        settings: readSettings(body),
        code: readCode(member.object(body, 'Code') ?? {}),
        publish: member.boolean(body, 'Publish') ?? false,
        tags: member.stringMap(body, 'Tags') ?? {},
      });
      return { body: configuration(record) };
    }),

    route('ListFunctions', 'GET', '/2015-03-31/functions', 200, (input) => {
      input.request.authorize('lambda:ListFunctions', '*');
      const all = input.query.get('FunctionVersion') === 'ALL';
      const versions = state.store
        .listFunctions(input.request.region)
        .flatMap((fn) => (all ? state.store.listVersions(fn.region, fn.name) : [state.store.getVersion(fn.region, fn.name, LATEST)!]));
      const page = paginate(versions, input.query.get('Marker') ?? undefined, queryInteger(input, 'MaxItems'));
      return { body: { Functions: page.items.map(configuration), ...(page.nextMarker ? { NextMarker: page.nextMarker } : {}) } };
    }),

    route('GetFunction', 'GET', '/2015-03-31/functions/{FunctionName}', 200, (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:GetFunction', reference);
      const target = resolveTarget(state, reference);
      const body: JsonObject = {
        Configuration: qualifiedConfiguration(configuration(target.version), state, reference),
        Code: { RepositoryType: 'S3', Location: hooks.codeLocation(reference.name, target.version.codeDigest) },
      };
      if (Object.keys(target.fn.tags).length > 0) body.Tags = target.fn.tags;
      return { body };
    }),

    route('GetFunctionConfiguration', 'GET', '/2015-03-31/functions/{FunctionName}/configuration', 200, (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:GetFunctionConfiguration', reference);
      const target = resolveTarget(state, reference);
      return { body: qualifiedConfiguration(configuration(target.version), state, reference) };
    }),

    route('DeleteFunction', 'DELETE', '/2015-03-31/functions/{FunctionName}', 204, (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:DeleteFunction', reference);
      deleteFunction(state, reference.region, reference.name, reference.qualifier);
      hooks.onDeleted(reference.region, reference.name);
      return {};
    }),

    route('UpdateFunctionCode', 'PUT', '/2015-03-31/functions/{FunctionName}/code', 200, async (input) => {
      const reference = unqualified(pathReference(state, input), 'UpdateFunctionCode');
      authorizeFunction(input, state, 'lambda:UpdateFunctionCode', reference);
      const body = await readCodeBody(input, 'UpdateFunctionCode');
      const record = updateFunctionCode(state, reference.region, reference.name, {
        code: readCode(body),
        publish: member.boolean(body, 'Publish') ?? false,
        dryRun: member.boolean(body, 'DryRun') ?? false,
        revisionId: member.string(body, 'RevisionId'),
      });
      hooks.onLatestChanged(reference.region, reference.name);
      return { body: configuration(record) };
    }),

    route('UpdateFunctionConfiguration', 'PUT', '/2015-03-31/functions/{FunctionName}/configuration', 200, async (input) => {
      const reference = unqualified(pathReference(state, input), 'UpdateFunctionConfiguration');
      authorizeFunction(input, state, 'lambda:UpdateFunctionConfiguration', reference);
      const body = await readBody(input);
      const record = updateFunctionConfiguration(state, reference.region, reference.name, readSettings(body), member.string(body, 'RevisionId'));
      hooks.onLatestChanged(reference.region, reference.name);
      return { body: configuration(record) };
    }),

    route('PublishVersion', 'POST', '/2015-03-31/functions/{FunctionName}/versions', 201, async (input) => {
      const reference = unqualified(pathReference(state, input), 'PublishVersion');
      authorizeFunction(input, state, 'lambda:PublishVersion', reference);
      const body = await readBody(input);
      const record = publishLatest(state, reference.region, reference.name, {
        description: member.string(body, 'Description'),
        codeSha256: member.string(body, 'CodeSha256'),
        revisionId: member.string(body, 'RevisionId'),
      });
      return { body: configuration(record) };
    }),

    route('ListVersionsByFunction', 'GET', '/2015-03-31/functions/{FunctionName}/versions', 200, (input) => {
      const reference = unqualified(pathReference(state, input), 'ListVersionsByFunction');
      authorizeFunction(input, state, 'lambda:ListVersionsByFunction', reference);
      const page = listVersionsByFunction(state, reference.region, reference.name, input.query.get('Marker') ?? undefined, queryInteger(input, 'MaxItems'));
      const versions = page.items.map((record) => listedVersionConfiguration(configuration(record), record, state));
      return { body: { Versions: versions, ...(page.nextMarker ? { NextMarker: page.nextMarker } : {}) } };
    }),

    route('CreateAlias', 'POST', '/2015-03-31/functions/{FunctionName}/aliases', 201, async (input) => {
      const reference = unqualified(pathReference(state, input), 'CreateAlias');
      authorizeFunction(input, state, 'lambda:CreateAlias', reference);
      const body = await readBody(input);
      const alias = createAlias(state, reference.region, reference.name, {
        alias: member.requiredString(body, 'Name'),
        functionVersion: member.requiredString(body, 'FunctionVersion'),
        description: member.string(body, 'Description'),
        additionalVersionWeights: readWeights(body),
      });
      return { body: aliasConfiguration(alias, state.accountId) };
    }),

    route('ListAliases', 'GET', '/2015-03-31/functions/{FunctionName}/aliases', 200, (input) => {
      const reference = unqualified(pathReference(state, input), 'ListAliases');
      authorizeFunction(input, state, 'lambda:ListAliases', reference);
      const page = listAliases(
        state,
        reference.region,
        reference.name,
        input.query.get('FunctionVersion') ?? undefined,
        input.query.get('Marker') ?? undefined,
        queryInteger(input, 'MaxItems'),
      );
      const aliases = page.items.map((alias) => aliasConfiguration(alias, state.accountId));
      return { body: { Aliases: aliases, ...(page.nextMarker ? { NextMarker: page.nextMarker } : {}) } };
    }),

    route('GetAlias', 'GET', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', 200, (input) => {
      const reference = unqualified(pathReference(state, input), 'GetAlias');
      authorizeFunction(input, state, 'lambda:GetAlias', reference);
      return { body: aliasConfiguration(getAlias(state, reference.region, reference.name, input.path.Name!), state.accountId) };
    }),

    route('UpdateAlias', 'PUT', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', 200, async (input) => {
      const reference = unqualified(pathReference(state, input), 'UpdateAlias');
      authorizeFunction(input, state, 'lambda:UpdateAlias', reference);
      const body = await readBody(input);
      const alias = updateAlias(state, reference.region, reference.name, input.path.Name!, {
        functionVersion: member.string(body, 'FunctionVersion'),
        description: member.string(body, 'Description'),
        additionalVersionWeights: readWeights(body),
        revisionId: member.string(body, 'RevisionId'),
      });
      return { body: aliasConfiguration(alias, state.accountId) };
    }),

    route('DeleteAlias', 'DELETE', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', 204, (input) => {
      const reference = unqualified(pathReference(state, input), 'DeleteAlias');
      authorizeFunction(input, state, 'lambda:DeleteAlias', reference);
      deleteAlias(state, reference.region, reference.name, input.path.Name!);
      return {};
    }),

    route('AddPermission', 'POST', '/2015-03-31/functions/{FunctionName}/policy', 201, async (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:AddPermission', reference);
      const body = await readBody(input);
      const statement = addPermission(state, reference.region, reference.name, {
        statementId: member.requiredString(body, 'StatementId'),
        action: member.requiredString(body, 'Action'),
        principal: member.requiredString(body, 'Principal'),
        sourceArn: member.string(body, 'SourceArn'),
        sourceAccount: member.string(body, 'SourceAccount'),
        eventSourceToken: member.string(body, 'EventSourceToken'),
        principalOrgId: member.string(body, 'PrincipalOrgID'),
        functionUrlAuthType: member.string(body, 'FunctionUrlAuthType'),
        qualifier: reference.qualifier,
        revisionId: member.string(body, 'RevisionId'),
      });
      return { body: { Statement: JSON.stringify(statement) } };
    }),

    route('GetPolicy', 'GET', '/2015-03-31/functions/{FunctionName}/policy', 200, (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:GetPolicy', reference);
      const policy = getPolicy(state, reference.region, reference.name, reference.qualifier);
      return { body: { Policy: policy.policy, RevisionId: policy.revisionId } };
    }),

    route('RemovePermission', 'DELETE', '/2015-03-31/functions/{FunctionName}/policy/{StatementId}', 204, (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:RemovePermission', reference);
      removePermission(state, reference.region, reference.name, input.path.StatementId!, reference.qualifier, input.query.get('RevisionId') ?? undefined);
      return {};
    }),

    route('TagResource', 'POST', '/2017-03-31/tags/{Resource}', 204, async (input) => {
      const reference = unqualified(parseFunctionReference(input.path.Resource!, input.request.region, state.accountId), 'TagResource');
      authorizeFunction(input, state, 'lambda:TagResource', reference);
      const fn = resolveTarget(state, reference).fn;
      const tags = member.stringMap(await readBody(input), 'Tags') ?? {};
      state.store.setTags(fn.region, fn.name, { ...fn.tags, ...tags });
      return {};
    }),

    route('ListTags', 'GET', '/2017-03-31/tags/{Resource}', 200, (input) => {
      const reference = unqualified(parseFunctionReference(input.path.Resource!, input.request.region, state.accountId), 'ListTags');
      authorizeFunction(input, state, 'lambda:ListTags', reference);
      return { body: { Tags: resolveTarget(state, reference).fn.tags } };
    }),

    route('UntagResource', 'DELETE', '/2017-03-31/tags/{Resource}', 204, (input) => {
      const reference = unqualified(parseFunctionReference(input.path.Resource!, input.request.region, state.accountId), 'UntagResource');
      authorizeFunction(input, state, 'lambda:UntagResource', reference);
      const fn = resolveTarget(state, reference).fn;
      const removed = new Set(input.query.getAll('tagKeys'));
      state.store.setTags(fn.region, fn.name, Object.fromEntries(Object.entries(fn.tags).filter(([key]) => !removed.has(key))));
      return {};
    }),
  ];
}

/**
 * Runs the IAM check of an operation on the function ARN, qualified with the version or alias
 * when the request names one, as Lambda's resource-level permissions are written.
 */
export function authorizeFunction(input: RestJsonInput, state: LambdaState, action: string, reference: FunctionReference): void {
  input.request.authorize(action, qualifiedArn(reference.region, state.accountId, reference.name, reference.qualifier));
}

/** Declares one route; a small helper so that the table above reads as the API model does. */
export function route(operation: string, method: string, path: string, status: number, handle: RestJsonRoute['handle']): RestJsonRoute {
  return { operation, method, path, status, handle };
}

/** The function named in the path, with the `Qualifier` query member when given. */
export function pathReference(state: LambdaState, input: RestJsonInput): FunctionReference {
  const qualifier = input.query.get('Qualifier') ?? undefined;
  return parseFunctionReference(input.path.FunctionName!, input.request.region, state.accountId, qualifier);
}

function unqualified(reference: FunctionReference, operation: string): FunctionReference {
  if (reference.qualifier !== undefined) {
    throw new InvalidParameterValueException(`${operation} takes an unqualified function name; remove the qualifier ${reference.qualifier}.`);
  }
  return reference;
}

/** GetFunction with an alias shows the alias's ARN, as Lambda does. */
function qualifiedConfiguration(body: JsonObject, state: LambdaState, reference: FunctionReference): JsonObject {
  if (reference.qualifier === undefined || reference.qualifier === LATEST) return body;
  return { ...body, FunctionArn: qualifiedArn(reference.region, state.accountId, reference.name, reference.qualifier) };
}

/** ListVersionsByFunction qualifies the ARN of `$LATEST` too: `...:function:name:$LATEST`. */
function listedVersionConfiguration(body: JsonObject, record: VersionRecord, state: LambdaState): JsonObject {
  if (record.version !== LATEST) return body;
  return { ...body, FunctionArn: qualifiedArn(record.region, state.accountId, record.name, LATEST) };
}

function readBody(input: RestJsonInput): Promise<JsonObject> {
  return readJsonObject(
    input.request,
    MAX_CONTROL_REQUEST_BYTES,
    () => new RequestTooLargeException(`Request must be smaller than ${MAX_CONTROL_REQUEST_BYTES} bytes for this operation`),
  );
}

function readCodeBody(input: RestJsonInput, operation: string): Promise<JsonObject> {
  return readJsonObject(
    input.request,
    MAX_CODE_REQUEST_BYTES,
    () => new RequestTooLargeException(`Request must be smaller than ${MAX_CODE_REQUEST_BYTES} bytes for the ${operation} operation`),
  );
}

function readSettings(body: JsonObject): SettingsChange {
  const environment = member.object(body, 'Environment');
  return {
    runtime: member.string(body, 'Runtime'),
    role: member.string(body, 'Role'),
    handler: member.string(body, 'Handler'),
    timeoutSeconds: member.integer(body, 'Timeout'),
    memorySizeMb: member.integer(body, 'MemorySize'),
    description: member.string(body, 'Description'),
    environment: environment ? (member.stringMap(environment, 'Variables') ?? {}) : undefined,
  };
}

function readCode(code: JsonObject): CodeSource {
  if (member.string(code, 'ImageUri')) {
    throw new InvalidParameterValueException('The local cloud runs .zip functions only: pass ZipFile or S3Bucket and S3Key instead of ImageUri.');
  }
  return {
    zipFile: member.blob(code, 'ZipFile'),
    s3Bucket: member.string(code, 'S3Bucket'),
    s3Key: member.string(code, 'S3Key'),
    s3ObjectVersion: member.string(code, 'S3ObjectVersion'),
  };
}

function readWeights(body: JsonObject): Record<string, number> | undefined {
  const routing = member.object(body, 'RoutingConfig');
  if (!routing) return undefined;
  return member.numberMap(routing, 'AdditionalVersionWeights') ?? {};
}

function queryInteger(input: RestJsonInput, name: string): number | undefined {
  const value = input.query.get(name);
  if (value === null) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidParameterValueException(`The ${name} ${value} is not an integer.`);
  return parsed;
}
