import { createHash } from 'node:crypto';

import { childText, parseXmlBody } from '../../protocol/rest-xml.js';
import type { XmlNode } from '../../protocol/rest-xml.js';
import { CHECKSUM_ALGORITHMS, checksumHeader, checksumOf, verifyChecksum, verifyContentMd5 } from '../checksums.js';
import { MalformedXML } from '../errors.js';
import type { S3HttpContext } from './context.js';
import { MAX_XML_BODY_BYTES } from './context.js';
import { header } from './headers.js';

/**
 * Reads an XML request body (DeleteObjects, CompleteMultipartUpload, configurations),
 * verifies its Content-MD5 or flexible checksum header, and parses it. An empty body
 * returns undefined so that operations with an optional body can tell.
 */
export async function readXmlBody(context: S3HttpContext, rootName: string, repeated: readonly string[] = []): Promise<XmlNode | undefined> {
  const body = await context.request.readBody(MAX_XML_BODY_BYTES, () => new MalformedXML(`the request body is larger than ${MAX_XML_BODY_BYTES} bytes`));
  verifyIntegrity(context, body);
  if (body.length === 0) return undefined;
  return parseXmlBody(body, rootName, repeated);
}

/** Like `readXmlBody`, for operations whose body is required. */
export async function requireXmlBody(context: S3HttpContext, rootName: string, repeated: readonly string[] = []): Promise<XmlNode> {
  const node = await readXmlBody(context, rootName, repeated);
  if (!node) throw new MalformedXML(`the request body is empty; it must be a <${rootName}> document.`);
  return node;
}

/** Reads a non-XML request body (a bucket policy) and verifies its Content-MD5 or flexible checksum header. */
export async function readVerifiedBody(context: S3HttpContext, maxBytes: number, onTooLarge: () => Error): Promise<Buffer> {
  const body = await context.request.readBody(maxBytes, onTooLarge);
  verifyIntegrity(context, body);
  return body;
}

/** Reads an optional `true`/`false` element, as S3's XML schema writes booleans; absent is undefined. */
export function booleanElement(node: XmlNode, name: string): boolean | undefined {
  const value = childText(node, name);
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new MalformedXML(`<${name}> must be true or false, not "${value}".`);
}

/** Reads an optional integer element; absent is undefined, and anything but an integer is MalformedXML. */
export function integerElement(node: XmlNode, name: string): number | undefined {
  const value = childText(node, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(value.trim())) throw new MalformedXML(`<${name}> must be an integer, not "${value}".`);
  return Number(value.trim());
}

function verifyIntegrity(context: S3HttpContext, body: Buffer): void {
  const contentMd5 = header(context.request, 'content-md5');
  if (contentMd5 !== undefined) verifyContentMd5(contentMd5, createHash('md5').update(body).digest());

  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = header(context.request, checksumHeader(algorithm));
    if (value !== undefined) verifyChecksum({ algorithm, value, type: 'FULL_OBJECT' }, checksumOf(algorithm, body));
  }
}
