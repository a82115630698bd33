import { describe, expect, it } from 'vitest';

import { defaultStageFromEnvironment, qualifierOf, stageFromContext } from '../../../src/core/stage.js';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:keystage-encryption';

describe('stageFromContext', () => {
  it('returns the alias of a qualified ARN', () => {
    expect(stageFromContext({ invokedFunctionArn: `${FUNCTION_ARN}:prod` }, 'dev')).toBe('prod');
  });

  it('returns the default stage for an unqualified ARN', () => {
    expect(stageFromContext({ invokedFunctionArn: FUNCTION_ARN }, 'dev')).toBe('dev');
  });

  it('returns the default stage for $LATEST', () => {
    expect(stageFromContext({ invokedFunctionArn: `${FUNCTION_ARN}:$LATEST` }, 'staging')).toBe('staging');
  });

  it('returns the default stage for a numeric version', () => {
    expect(stageFromContext({ invokedFunctionArn: `${FUNCTION_ARN}:17` }, 'dev')).toBe('dev');
  });

  it('returns the default stage without a context', () => {
    expect(stageFromContext(undefined, 'dev')).toBe('dev');
  });

  it('falls back to dev when no default is given', () => {
    expect(stageFromContext({ invokedFunctionArn: FUNCTION_ARN })).toBe('dev');
  });

  it('takes a numeric version stage from the client context', () => {
    const context = { invokedFunctionArn: `${FUNCTION_ARN}:17`, clientContext: { custom: { 'keystage-stage': 'prod' } } };

    expect(stageFromContext(context, 'dev')).toBe('prod');
  });

  it('prefers the alias over the client context', () => {
    const context = { invokedFunctionArn: `${FUNCTION_ARN}:staging`, clientContext: { custom: { 'keystage-stage': 'prod' } } };

    expect(stageFromContext(context, 'dev')).toBe('staging');
  });

  it('ignores an invalid client context stage', () => {
    const context = { invokedFunctionArn: `${FUNCTION_ARN}:17`, clientContext: { custom: { 'keystage-stage': 'no spaces allowed' } } };

    expect(stageFromContext(context, 'dev')).toBe('dev');
  });
});

describe('qualifierOf', () => {
  it('returns undefined for a trailing colon', () => {
    expect(qualifierOf(`${FUNCTION_ARN}:`)).toBeUndefined();
  });

  it('returns undefined for a string that is not a function ARN', () => {
    expect(qualifierOf('keystage-encryption')).toBeUndefined();
  });
});

describe('defaultStageFromEnvironment', () => {
  it('reads DEFAULT_STAGE', () => {
    expect(defaultStageFromEnvironment({ DEFAULT_STAGE: 'staging' })).toBe('staging');
  });

  it('uses dev when DEFAULT_STAGE is blank', () => {
    expect(defaultStageFromEnvironment({ DEFAULT_STAGE: ' ' })).toBe('dev');
  });
});
