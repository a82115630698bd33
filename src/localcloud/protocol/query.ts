import { AwsError, internalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LocalRequest, LocalResponse } from '../request.js';

/**
 * The AWS `query` protocol, as IAM and STS speak it: parameters as a form body (or a GET
 * query string) with `Action` and `Version`, lists flattened as `Tags.member.1.Key`, maps as
 * `Attributes.entry.1.key`, and XML results wrapped as
 * `<XResponse><XResult>…</XResult><ResponseMetadata><RequestId/></ResponseMetadata></XResponse>`.
 */

/** The largest form body the codec reads; IAM's largest request, a policy document, is far smaller. */
export const MAX_QUERY_REQUEST_BYTES = 1024 * 1024;

/** The flat parameters of one request, `Tags.member.1.Key` and all, as sent. */
export type QueryParams = Map<string, string>;

/** A value the XML serializer writes: nested objects become elements, arrays `<member>` lists. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | { [name: string]: XmlValue };

/** One operation of a query-protocol service: parameters in, the `<XResult>` contents out. */
export type QueryOperation = (params: QueryParams, request: LocalRequest) => Record<string, XmlValue> | undefined;

/** A query-protocol service: its API version, XML namespace and operations by `Action`. */
export interface QueryService {
  version: string;
  xmlNamespace: string;
  operations: Record<string, QueryOperation>;
  logger: Logger;
}

/**
 * Parses a query-protocol request, runs its `Action` and serializes the result or the error.
 * Any error other than `AwsError` is logged and returned as `InternalFailure` (500).
 */
export async function serveQuery(service: QueryService, request: LocalRequest): Promise<LocalResponse> {
  let action = 'Unknown';
  try {
    const params = await readQueryParams(request);
    action = params.get('Action') ?? '';
    const operation = resolveOperation(service, params, action);

    const result = operation(params, request);
    return queryResponse(service, action, result, request.requestId);
  } catch (error) {
    if (error instanceof AwsError) return queryErrorResponse(service, error, request.requestId);

    service.logger.error('query operation failed', { action, error });
    return queryErrorResponse(service, internalError(error), request.requestId);
  }
}

function resolveOperation(service: QueryService, params: QueryParams, action: string): QueryOperation {
  if (!action) throw new AwsError('MissingAction', 'The request must contain the parameter Action.');

  const version = params.get('Version');
  if (version !== undefined && version !== service.version) {
    throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version}; the API version is ${service.version}.`);
  }

  const operation = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
  if (!operation) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${service.version}.`);
  return operation;
}

/** Reads the parameters from the query string and, for a form POST, from the body. */
export async function readQueryParams(request: LocalRequest): Promise<QueryParams> {
  const params: QueryParams = new Map();
  for (const [name, value] of request.query) params.set(name, value);

  const body = await request.readBody(
    MAX_QUERY_REQUEST_BYTES,
    () => new AwsError('RequestEntityTooLarge', `The request body is larger than ${MAX_QUERY_REQUEST_BYTES} bytes.`, 413),
  );
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) params.set(name, value);
  return params;
}

/**
 * Reads a flattened list of structures, `Tags.member.1.Key`, `Tags.member.1.Value`, … into
 * one record per index, in index order.
 */
export function readStructureList(params: QueryParams, name: string): Record<string, string>[] {
  const items = new Map<number, Record<string, string>>();
  const prefix = `${name}.member.`;
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;

    const [index, field] = splitOnce(key.slice(prefix.length), '.');
    const position = Number(index);
    if (!Number.isInteger(position) || position < 1 || !field) continue;

    const item = items.get(position) ?? {};
    item[field] = value;
    items.set(position, item);
  }
  return [...items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
}

/** Reads a flattened list of strings, `TagKeys.member.1`, … in index order. */
export function readStringList(params: QueryParams, name: string): string[] {
  const prefix = `${name}.member.`;
  const items: [number, string][] = [];
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const position = Number(key.slice(prefix.length));
    if (Number.isInteger(position) && position >= 1) items.push([position, value]);
  }
  return items.sort(([a], [b]) => a - b).map(([, value]) => value);
}

/** Reads a flattened map, `Attributes.entry.1.key` / `Attributes.entry.1.value`. */
export function readStringMap(params: QueryParams, name: string): Record<string, string> {
  const entries = new Map<string, { key?: string; value?: string }>();
  const prefix = `${name}.entry.`;
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const [index, field] = splitOnce(key.slice(prefix.length), '.');
    const entry = entries.get(index) ?? {};
    if (field === 'key') entry.key = value;
    if (field === 'value') entry.value = value;
    entries.set(index, entry);
  }

  const map: Record<string, string> = {};
  for (const { key, value } of entries.values()) if (key !== undefined) map[key] = value ?? '';
  return map;
}

/** Reads a required parameter; a missing one is the query protocol's `ValidationError`. */
export function requiredParam(params: QueryParams, name: string): string {
  const value = params.get(name);
  if (value === undefined) {
    const field = name.charAt(0).toLowerCase() + name.slice(1);
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** Reads an optional integer parameter, rejecting text that is not a whole number. */
export function optionalIntegerParam(params: QueryParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) {
    throw new AwsError('ValidationError', `Invalid value '${value}' for parameter ${name}: it must be a whole number.`);
  }
  return Number(value);
}

/** Serializes a result as `<ActionResponse><ActionResult>…</ActionResult>…</ActionResponse>`. */
export function queryResponse(
  service: Pick<QueryService, 'xmlNamespace'>,
  action: string,
  result: Record<string, XmlValue> | undefined,
  requestId: string,
): LocalResponse {
  const resultXml = result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${service.xmlNamespace}">` +
    `${resultXml}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** Serializes an `AwsError` as `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function queryErrorResponse(service: Pick<QueryService, 'xmlNamespace'>, error: AwsError, requestId: string): LocalResponse {
  const type = error.senderFault ? 'Sender' : 'Receiver';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${service.xmlNamespace}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: error.statusCode, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** Serializes the members of a result in insertion order; undefined members are left out. */
export function toXml(value: Record<string, XmlValue>): string {
  let xml = '';
  for (const [name, member] of Object.entries(value)) {
    if (member === undefined || member === null) continue;
    xml += `<${name}>${memberXml(member)}</${name}>`;
  }
  return xml;
}

function memberXml(value: XmlValue): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${memberXml(item)}</member>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) return toXml(value);
  return escapeXml(String(value));
}

/** Escapes text for an XML element's content; the codec writes no attributes from input. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (character) => XML_ENTITIES[character] ?? character);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
