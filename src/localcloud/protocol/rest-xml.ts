import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

import { AwsError } from '../errors.js';
import type { LocalResponse } from '../request.js';

/**
 * The rest-xml protocol codec (S3): XML request bodies in, XML response bodies and AWS
 * error bodies out. Operations never see XML; they take and return plain objects.
 */

/** A parsed XML element: text, a child element, or a list of repeated child elements. */
export type XmlValue = string | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

/** The namespace S3 puts on the root element of every response body. */
export const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const ENTITY_PATTERN = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Parses an XML request body into its root element's content. Element values stay strings
 * (a key `007` must not become the number 7), whitespace inside values is kept, and element
 * names listed in `repeated` always parse as arrays. Throws `MalformedXML` for a body that is
 * not well-formed XML or whose root element is not `rootName`.
 */
export function parseXmlBody(body: Buffer | string, rootName: string, repeated: readonly string[] = []): XmlNode {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    throw malformedXml(`line ${validation.err.line}: ${validation.err.msg}`);
  }

  const repeatedNames = new Set(repeated);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    processEntities: false,
    isArray: (name) => repeatedNames.has(name),
  });
  const document = parser.parse(text) as XmlNode;

  const root = document[rootName];
  if (root === undefined) throw malformedXml(`the root element must be <${rootName}>`);
  const cleaned = cleanValue(root);
  return typeof cleaned === 'string' || Array.isArray(cleaned) ? {} : cleaned;
}

/** Reads a child element as text, or undefined when it is absent or has children. */
export function childText(node: XmlNode, name: string): string | undefined {
  const value = node[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads repeated child elements as nodes; a missing element is an empty list. */
export function childNodes(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((item) => (typeof item === 'string' || Array.isArray(item) ? {} : item));
}

/** Reads a single child element as a node; an empty element is an empty node. */
export function childNode(node: XmlNode, name: string): XmlNode | undefined {
  const value = node[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string' || Array.isArray(value)) return {};
  return value;
}

/**
 * An element tree for a response body. Arrays become repeated elements, `undefined` values
 * are left out, dates are written in ISO 8601 with milliseconds as S3 does.
 */
export type XmlOutput = { [name: string]: XmlOutputValue };
export type XmlOutputValue = string | number | boolean | Date | undefined | XmlOutput | XmlOutputValue[];

/** Serializes a response body with the S3 namespace on its root element. */
export function serializeXml(rootName: string, content: XmlOutput): string {
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: false, suppressEmptyNode: false });
  const root = { '@_xmlns': S3_XML_NAMESPACE, ...toBuilderTree(content) };
  return XML_DECLARATION + builder.build({ [rootName]: root });
}

/** A 200 response with an XML body. */
export function xmlResponse(rootName: string, content: XmlOutput, headers: Record<string, string> = {}): LocalResponse {
  return { status: 200, headers: { 'content-type': 'application/xml', ...headers }, body: serializeXml(rootName, content) };
}

/**
 * Serializes an AWS error as S3 does: `<Error><Code/><Message/>…<RequestId/><HostId/></Error>`,
 * with the error's extra fields (`Key`, `BucketName`, `Condition`) between message and ids.
 * A HEAD response carries no body, so the SDKs read the code from the status alone.
 */
export function errorResponse(error: AwsError, requestId: string, method: string, headers: Record<string, string> = {}): LocalResponse {
  const responseHeaders: Record<string, string> = { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId(requestId), ...headers };
  if (method === 'HEAD') return { status: error.statusCode, headers: responseHeaders };

  const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });
  const content = {
    Code: error.code,
    Message: error.message,
    ...error.extra,
    RequestId: requestId,
    HostId: hostId(requestId),
  };
  return {
    status: error.statusCode,
    headers: { 'content-type': 'application/xml', ...responseHeaders },
    body: XML_DECLARATION + builder.build({ Error: content }),
  };
}

/** The `x-amz-id-2` value: opaque in AWS, derived from the request id here so logs can match them. */
export function hostId(requestId: string): string {
  return Buffer.from(requestId).toString('base64');
}

function malformedXml(detail: string): AwsError {
  return new AwsError(
    'MalformedXML',
    `The XML you provided was not well-formed or did not validate against our published schema (${detail}).`,
    400,
  );
}

function cleanValue(value: unknown): XmlValue {
  if (typeof value === 'string') return decodeEntities(value);
  if (Array.isArray(value)) return value.map(cleanValue);
  if (value === null || typeof value !== 'object') return '';

  const node: XmlNode = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [name, child] of entries) {
    if (name === '#text' && entries.length > 1) continue;
    if (name === '#text') return decodeEntities(String(child));
    node[name] = cleanValue(child);
  }
  return node;
}

function decodeEntities(text: string): string {
  return text.replace(ENTITY_PATTERN, (_match, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return NAMED_ENTITIES[entity] ?? '';
  });
}

function toBuilderTree(content: XmlOutput): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(content)) {
    const converted = toBuilderValue(value);
    if (converted !== undefined) tree[name] = converted;
  }
  return tree;
}

function toBuilderValue(value: XmlOutputValue): unknown {
  if (value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toBuilderValue).filter((item) => item !== undefined);
  if (typeof value === 'object') return toBuilderTree(value);
  return String(value);
}
