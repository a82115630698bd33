import { describe, expect, it } from 'vitest';

import { InvalidParameterValueException } from '../../../src/localcloud/lambda/errors.js';
import { parseFunctionReference } from '../../../src/localcloud/lambda/names.js';

const ACCOUNT = '000000000000';

describe('parseFunctionReference', () => {
  it.each([
    ['a name', 'fn', undefined, { region: 'us-east-1', name: 'fn' }],
    ['a name with a version', 'fn:3', undefined, { region: 'us-east-1', name: 'fn', qualifier: '3' }],
    ['a partial ARN', '000000000000:function:fn', undefined, { region: 'us-east-1', name: 'fn' }],
    ['a full ARN with an alias', 'arn:aws:lambda:eu-west-1:000000000000:function:fn:prod', undefined, { region: 'eu-west-1', name: 'fn', qualifier: 'prod' }],
    ['a name and a Qualifier member', 'fn', '$LATEST', { region: 'us-east-1', name: 'fn', qualifier: '$LATEST' }],
    ['matching qualifiers in both places', 'fn:prod', 'prod', { region: 'us-east-1', name: 'fn', qualifier: 'prod' }],
  ])('parses %s', (_case, functionName, qualifier, expected) => {
    expect(parseFunctionReference(functionName, 'us-east-1', ACCOUNT, qualifier)).toEqual(expected);
  });

  it.each([
    ['a qualifier that differs from the Qualifier member', 'fn:prod', 'dev'],
    ['a name with spaces', 'my function', undefined],
    ['a name over 64 characters', 'f'.repeat(65), undefined],
    ['an ARN of another account', 'arn:aws:lambda:us-east-1:123456789012:function:fn', undefined],
    ['too many colons', 'fn:a:b', undefined],
  ])('rejects %s', (_case, functionName, qualifier) => {
    expect(() => parseFunctionReference(functionName, 'us-east-1', ACCOUNT, qualifier)).toThrow(InvalidParameterValueException);
  });
});
