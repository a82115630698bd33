/** A failure with one of the Node.js runtime's error types as its `name`. */
export declare class RuntimeError extends Error {
  constructor(type: string, message: string, options?: { cause?: unknown });
}

/** The parts of a handler string `dir/file.export.path`. */
export interface HandlerParts {
  moduleRoot: string;
  moduleName: string;
  exportPath: string;
}

/** The Node.js runtime's error payload. */
export interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export declare function splitHandler(handler: string): HandlerParts;
export declare function locateModule(taskRoot: string, moduleRoot: string, moduleName: string): string | undefined;
export declare function loadHandler(taskRoot: string, handler: string): Promise<(...args: unknown[]) => unknown>;
export declare function toErrorPayload(error: unknown): ErrorPayload;
