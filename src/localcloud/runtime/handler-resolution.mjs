// Resolves a Lambda handler string (`dir/file.export.path`) to a function the way the
// Node.js Lambda runtime does. The module is `<task root>/<dir>/<file>` with `.js`, `.mjs` or
// `.cjs`, or else a package under node_modules. A `.js` file loads as CommonJS unless Node
// reports it as an ES module, and the export path may be nested (`file.a.b`). Failures carry
// the runtime's error types, such as Runtime.ImportModuleError and Runtime.HandlerNotFound.
// Plain JavaScript, because execution environments run it with no TypeScript loader.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A failure with one of the Node.js runtime's error types as its `name`. */
export class RuntimeError extends Error {
  constructor(type, message, options) {
    super(message, options);
    this.name = type;
  }
}

/**
 * Splits `dir/file.export.path` into the module's folder (`dir/`), the module name
 * (`file`) and the export path (`export.path`).
 */
export function splitHandler(handler) {
  if (handler.includes('..')) {
    throw new RuntimeError('Runtime.MalformedHandlerName', "'../' not allowed in handler name");
  }
  const handlerName = basename(handler);
  const moduleRoot = handler.slice(0, handler.length - handlerName.length);
  const match = /^([^.]*)\.(.*)$/.exec(handlerName);
  if (!match || match[1] === '' || match[2] === '') {
    throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  }
  return { moduleRoot, moduleName: match[1], exportPath: match[2] };
}

/** Finds the file of a handler module, trying `.js`, `.mjs`, then `.cjs`. */
export function locateModule(taskRoot, moduleRoot, moduleName) {
  const base = resolve(taskRoot, moduleRoot, moduleName);
  for (const extension of ['.js', '.mjs', '.cjs']) {
    if (existsSync(base + extension)) return base + extension;
  }
  return undefined;
}

/** Loads the handler module and returns the handler function. */
export async function loadHandler(taskRoot, handler) {
  const { moduleRoot, moduleName, exportPath } = splitHandler(handler);
  const file = locateModule(taskRoot, moduleRoot, moduleName);
  const loaded = file ? await loadFile(file) : loadPackage(taskRoot, moduleRoot, moduleName);

  const handlerFunction = exportPath.split('.').reduce((value, key) => (value == null ? undefined : value[key]), loaded);
  if (handlerFunction === undefined || handlerFunction === null) {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  }
  if (typeof handlerFunction !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handler} is not a function`);
  }
  return handlerFunction;
}

async function loadFile(file) {
  try {
    if (file.endsWith('.mjs')) return await import(pathToFileURL(file).href);
    if (file.endsWith('.cjs')) return createRequire(file)(file);
    return await loadJavaScript(file);
  } catch (error) {
    throw translateLoadError(error);
  }
}

// Node 20 refuses to require an ES module (ERR_REQUIRE_ESM); Node 22 requires one unless it
// uses top-level await (ERR_REQUIRE_ASYNC_MODULE). Either refusal falls back to import().
const ESM_REFUSALS = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE']);

async function loadJavaScript(file) {
  try {
    return createRequire(file)(file);
  } catch (error) {
    if (!ESM_REFUSALS.has(error?.code)) throw error;
    return await import(pathToFileURL(file).href);
  }
}

function loadPackage(taskRoot, moduleRoot, moduleName) {
  const requireFromRoot = createRequire(resolve(taskRoot, moduleRoot, 'index.js'));
  try {
    return requireFromRoot(moduleName);
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`, { cause: error });
    }
    throw translateLoadError(error);
  }
}

function translateLoadError(error) {
  if (error instanceof SyntaxError) {
    return new RuntimeError('Runtime.UserCodeSyntaxError', `SyntaxError: ${error.message}`, { cause: error });
  }
  if (error?.code === 'MODULE_NOT_FOUND' || error?.code === 'ERR_MODULE_NOT_FOUND') {
    return new RuntimeError('Runtime.ImportModuleError', `Error: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * Formats a thrown value as the runtime's error payload: `errorType` is the error's `name`,
 * `trace` its stack lines. A thrown non-error becomes `{errorType: typeof value}`.
 */
export function toErrorPayload(error) {
  if (error instanceof Error || (error && typeof error === 'object' && 'message' in error && 'name' in error)) {
    const stack = typeof error.stack === 'string' ? error.stack : `${error.name}: ${error.message}`;
    return { errorType: String(error.name), errorMessage: String(error.message), trace: stack.split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}
