import { describe, expect, it } from 'vitest';

import { AwsError } from '../../../src/localcloud/errors.js';
import { childNodes, childText, errorResponse, parseXmlBody, serializeXml } from '../../../src/localcloud/protocol/rest-xml.js';

describe('parseXmlBody', () => {
  it('keeps element values as strings', () => {
    const node = parseXmlBody('<Delete><Object><Key>007</Key></Object><Quiet>true</Quiet></Delete>', 'Delete', ['Object']);

    expect(childText(childNodes(node, 'Object')[0]!, 'Key')).toBe('007');
    expect(childText(node, 'Quiet')).toBe('true');
  });

  it('parses a listed element as an array even when it occurs once', () => {
    const node = parseXmlBody('<Delete><Object><Key>a</Key></Object></Delete>', 'Delete', ['Object']);

    expect(childNodes(node, 'Object')).toHaveLength(1);
  });

  it('keeps leading and trailing spaces inside a value', () => {
    const node = parseXmlBody('<Delete>\n  <Object><Key> spaced </Key></Object>\n</Delete>', 'Delete', ['Object']);

    expect(childText(childNodes(node, 'Object')[0]!, 'Key')).toBe(' spaced ');
  });

  it('decodes named and numeric character references once', () => {
    const node = parseXmlBody('<R><Key>a &amp; b &#x41;&#66; &amp;#x41;</Key></R>', 'R');

    expect(childText(node, 'Key')).toBe('a & b AB &#x41;');
  });

  it('ignores the namespace of the root element', () => {
    const node = parseXmlBody('<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>', 'VersioningConfiguration');

    expect(childText(node, 'Status')).toBe('Enabled');
  });

  it('rejects XML that is not well-formed with MalformedXML', () => {
    expect(() => parseXmlBody('<Delete><Object></Delete>', 'Delete')).toThrow(expect.objectContaining({ code: 'MalformedXML' }));
  });

  it('rejects a document with another root element', () => {
    expect(() => parseXmlBody('<Other/>', 'Delete')).toThrow(expect.objectContaining({ code: 'MalformedXML' }));
  });
});

describe('serializeXml', () => {
  it('writes the S3 namespace on the root element', () => {
    expect(serializeXml('R', {})).toContain('<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
  });

  it('writes arrays as repeated elements and leaves out undefined values', () => {
    const xml = serializeXml('R', { Item: ['a', 'b'], Missing: undefined });

    expect(xml).toContain('<Item>a</Item><Item>b</Item>');
    expect(xml).not.toContain('Missing');
  });

  it('escapes markup characters in values', () => {
    expect(serializeXml('R', { Key: 'a<b>&c' })).toContain('<Key>a&lt;b&gt;&amp;c</Key>');
  });

  it('writes dates in ISO 8601 with milliseconds', () => {
    expect(serializeXml('R', { LastModified: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) })).toContain(
      '<LastModified>2024-01-02T03:04:05.006Z</LastModified>',
    );
  });
});

describe('errorResponse', () => {
  const error = new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: 'a/b' });

  it('writes Code, Message, extra fields and ids in that order', () => {
    const response = errorResponse(error, 'request-1', 'GET');
    const body = String(response.body);

    expect(response.status).toBe(404);
    expect(body).toMatch(/<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message><Key>a\/b<\/Key><RequestId>request-1<\/RequestId><HostId>[^<]+<\/HostId><\/Error>/);
  });

  it('sends no body for HEAD', () => {
    const response = errorResponse(error, 'request-1', 'HEAD');

    expect(response.body).toBeUndefined();
    expect(response.headers?.['x-amz-request-id']).toBe('request-1');
  });
});
