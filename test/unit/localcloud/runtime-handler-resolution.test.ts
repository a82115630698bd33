import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadHandler, locateModule, splitHandler, toErrorPayload } from '../../../src/localcloud/runtime/handler-resolution.mjs';

/** A task root with the given files, as an unzipped function. */
function taskRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'keystage-handler-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

describe('splitHandler', () => {
  it.each([
    ['index.handler', { moduleRoot: '', moduleName: 'index', exportPath: 'handler' }],
    ['src/app.main', { moduleRoot: 'src/', moduleName: 'app', exportPath: 'main' }],
    ['lib/api.routes.get', { moduleRoot: 'lib/', moduleName: 'api', exportPath: 'routes.get' }],
  ])('splits %s', (handler, expected) => {
    expect(splitHandler(handler)).toEqual(expected);
  });

  it.each(['index', 'index.', '.handler'])('rejects %s as Runtime.MalformedHandlerName', (handler) => {
    expect(() => splitHandler(handler)).toThrow(expect.objectContaining({ name: 'Runtime.MalformedHandlerName', message: 'Bad handler' }));
  });

  it('rejects a handler that climbs out of the task root', () => {
    expect(() => splitHandler('../secret.handler')).toThrow(expect.objectContaining({ name: 'Runtime.MalformedHandlerName' }));
  });
});

describe('locateModule', () => {
  it('prefers .js over .mjs and .cjs', () => {
    const root = taskRoot({ 'index.js': '', 'index.mjs': '', 'index.cjs': '' });
    expect(locateModule(root, '', 'index')).toBe(join(root, 'index.js'));
  });

  it('finds a .cjs module when it is the only one', () => {
    const root = taskRoot({ 'index.cjs': '' });
    expect(locateModule(root, '', 'index')).toBe(join(root, 'index.cjs'));
  });
});

describe('loadHandler', () => {
  it('loads a CommonJS export', async () => {
    const root = taskRoot({ 'index.js': 'exports.handler = () => "cjs";' });
    expect((await loadHandler(root, 'index.handler'))()).toBe('cjs');
  });

  it('loads an ES module export from .mjs', async () => {
    const root = taskRoot({ 'index.mjs': 'export const handler = () => "esm";' });
    expect((await loadHandler(root, 'index.handler'))()).toBe('esm');
  });

  it('loads .js as an ES module under package.json type module', async () => {
    const root = taskRoot({ 'package.json': '{"type":"module"}', 'index.js': 'export const handler = () => "esm-js";' });
    expect((await loadHandler(root, 'index.handler'))()).toBe('esm-js');
  });

  it('resolves a nested export path', async () => {
    const root = taskRoot({ 'index.js': 'exports.api = { get: () => "nested" };' });
    expect((await loadHandler(root, 'index.api.get'))()).toBe('nested');
  });

  it('reports a missing module as Runtime.ImportModuleError', async () => {
    const root = taskRoot({});
    await expect(loadHandler(root, 'index.handler')).rejects.toMatchObject({
      name: 'Runtime.ImportModuleError',
      message: "Error: Cannot find module 'index'",
    });
  });

  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    const root = taskRoot({ 'index.js': 'exports.other = () => 1;' });
    await expect(loadHandler(root, 'index.handler')).rejects.toMatchObject({
      name: 'Runtime.HandlerNotFound',
      message: 'index.handler is undefined or not exported',
    });
  });

  it('reports an export that is not a function as Runtime.HandlerNotFound', async () => {
    const root = taskRoot({ 'index.js': 'exports.handler = 42;' });
    await expect(loadHandler(root, 'index.handler')).rejects.toMatchObject({ name: 'Runtime.HandlerNotFound', message: 'index.handler is not a function' });
  });

  it('reports a syntax error as Runtime.UserCodeSyntaxError', async () => {
    const root = taskRoot({ 'index.js': 'exports.handler = () => {;' });
    await expect(loadHandler(root, 'index.handler')).rejects.toMatchObject({ name: 'Runtime.UserCodeSyntaxError' });
  });

  it('reports a missing dependency of the handler as Runtime.ImportModuleError', async () => {
    const root = taskRoot({ 'index.js': 'require("not-installed-anywhere"); exports.handler = () => 1;' });
    await expect(loadHandler(root, 'index.handler')).rejects.toMatchObject({ name: 'Runtime.ImportModuleError' });
  });
});

describe('toErrorPayload', () => {
  it('uses the error name as errorType and the stack as trace', () => {
    const error = new TypeError('bad input');
    const payload = toErrorPayload(error);
    expect(payload.errorType).toBe('TypeError');
    expect(payload.errorMessage).toBe('bad input');
    expect(payload.trace[0]).toBe('TypeError: bad input');
  });

  it('reports a thrown string with its type', () => {
    expect(toErrorPayload('plain')).toEqual({ errorType: 'string', errorMessage: 'plain', trace: [] });
  });
});

describe('loadHandler with top-level await', () => {
  it('loads an ES module .js file that awaits at top level', async () => {
    const root = taskRoot({ 'package.json': '{"type":"module"}', 'index.js': 'const value = await Promise.resolve("awaited");\nexport const handler = () => value;' });
    expect((await loadHandler(root, 'index.handler'))()).toBe('awaited');
  });
});
