import { describe, expect, it } from 'vitest';

import { decodePath, formEncodeKey, resolveAddress } from '../../../src/localcloud/s3/addressing.js';
import { parseCopySource } from '../../../src/localcloud/s3/http/object-handlers.js';

describe('resolveAddress', () => {
  it('reads bucket and key from a path-style request', () => {
    expect(resolveAddress('127.0.0.1', '/bucket/dir/file.txt')).toEqual({ bucket: 'bucket', key: 'dir/file.txt', style: 'path' });
  });

  it('treats a path with only a bucket as a bucket request', () => {
    expect(resolveAddress('127.0.0.1', '/bucket/')).toEqual({ bucket: 'bucket', key: undefined, style: 'path' });
    expect(resolveAddress('localhost', '/bucket')).toEqual({ bucket: 'bucket', style: 'path' });
  });

  it('treats the root path as a service request', () => {
    expect(resolveAddress('localhost', '/')).toEqual({ style: 'path' });
  });

  it('reads the bucket from a <bucket>.localhost host', () => {
    expect(resolveAddress('my-bucket.localhost', '/a/b')).toEqual({ bucket: 'my-bucket', key: 'a/b', style: 'virtual-hosted' });
  });

  it('reads the bucket from a <bucket>.s3.localhost host', () => {
    expect(resolveAddress('my-bucket.s3.localhost', '/key')).toEqual({ bucket: 'my-bucket', key: 'key', style: 'virtual-hosted' });
  });

  it('reads dotted bucket names from a virtual host', () => {
    expect(resolveAddress('my.dotted.bucket.s3.localhost', '/')).toEqual({ bucket: 'my.dotted.bucket', key: undefined, style: 'virtual-hosted' });
  });

  it('treats IP addresses as path style', () => {
    expect(resolveAddress('127.0.0.1', '/b/k').style).toBe('path');
    expect(resolveAddress('[::1]', '/b/k').style).toBe('path');
  });

  it('treats s3.localhost itself as path style', () => {
    expect(resolveAddress('s3.localhost', '/b/k')).toEqual({ bucket: 'b', key: 'k', style: 'path' });
  });

  it('decodes the key exactly once', () => {
    expect(resolveAddress('127.0.0.1', '/b/a%20b%2Bc%25d+e%2520').key).toBe('a b+c%d+e%20');
  });

  it('decodes non-ASCII keys from UTF-8', () => {
    expect(resolveAddress('127.0.0.1', '/b/%C3%A9t%C3%A9/%E6%97%A5').key).toBe('été/日');
  });

  it('keeps repeated and trailing slashes in a key', () => {
    expect(resolveAddress('127.0.0.1', '/b/a//b/').key).toBe('a//b/');
  });
});

describe('decodePath', () => {
  it('rejects malformed percent-encoding with InvalidURI', () => {
    expect(() => decodePath('a%zz')).toThrow(expect.objectContaining({ code: 'InvalidURI' }));
  });
});

describe('formEncodeKey', () => {
  it('encodes a space as +', () => {
    expect(formEncodeKey('a b')).toBe('a+b');
  });

  it('percent-encodes + and %', () => {
    expect(formEncodeKey('a+b%c')).toBe('a%2Bb%25c');
  });

  it('keeps slashes, letters, digits and -_.*', () => {
    expect(formEncodeKey('dev/keystage-encryption_1.*.zip')).toBe('dev/keystage-encryption_1.*.zip');
  });

  it('encodes non-ASCII characters as UTF-8 bytes', () => {
    expect(formEncodeKey('é')).toBe('%C3%A9');
  });

  it('encodes reserved characters', () => {
    expect(formEncodeKey("a=b&c:d~e(f)'!")).toBe('a%3Db%26c%3Ad%7Ee%28f%29%27%21');
  });

  it('round-trips through the decoding that Lambda handlers use', () => {
    const key = 'dir/a b+c%d é=(1).zip';

    expect(decodeURIComponent(formEncodeKey(key).replace(/\+/g, ' '))).toBe(key);
  });
});

describe('parseCopySource', () => {
  it('reads bucket and key with or without a leading slash', () => {
    expect(parseCopySource('/b/k')).toEqual({ bucket: 'b', key: 'k' });
    expect(parseCopySource('b/dir/k')).toEqual({ bucket: 'b', key: 'dir/k' });
  });

  it('decodes the key once and keeps an encoded question mark in it', () => {
    expect(parseCopySource('b/a%20b%3Fc%2B')).toEqual({ bucket: 'b', key: 'a b?c+' });
  });

  it('reads a versionId query', () => {
    expect(parseCopySource('b/k?versionId=abc')).toEqual({ bucket: 'b', key: 'k', versionId: 'abc' });
  });

  it('rejects a source without a key', () => {
    expect(() => parseCopySource('bucket-only')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
