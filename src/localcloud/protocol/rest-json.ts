import { AwsError, internalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LocalRequest, LocalResponse } from '../request.js';

/**
 * The AWS `rest-json` protocol, as Lambda speaks it. The HTTP method and a path template
 * (`/2015-03-31/functions/{FunctionName}/aliases/{Name}`) choose the operation. Members travel
 * in the path, the query string, headers and a JSON body. An error is a JSON body
 * `{"Type": "User", "message": "..."}` with the error's HTTP status and its code in the
 * `x-amzn-ErrorType` header.
 */

export const REST_JSON_CONTENT_TYPE = 'application/json';

/** A JSON object as it arrives on the wire, before an operation checks its members. */
export type JsonObject = Record<string, unknown>;

/** The input of a route's handler: the matched path members and the raw request. */
export interface RestJsonInput {
  /** Path members, percent-decoded, keyed by the template's names. */
  path: Record<string, string>;
  query: URLSearchParams;
  request: LocalRequest;
}

/** The output of a route's handler; `body` is a JSON object, raw bytes or nothing. */
export interface RestJsonOutput {
  status?: number;
  headers?: Record<string, string>;
  body?: JsonObject | Buffer;
}

/** One operation: its HTTP binding and the function that serves it. */
export interface RestJsonRoute {
  operation: string;
  method: string;
  /** A path template with `{Member}` segments, without the query string. */
  path: string;
  /** The status of a successful response when the handler names none. */
  status: number;
  handle(input: RestJsonInput): Promise<RestJsonOutput> | RestJsonOutput;
}

/** A rest-json service: its routes and how its errors are written. */
export interface RestJsonService {
  routes: RestJsonRoute[];
  logger: Logger;
  /**
   * Error codes whose modeled message member is `Message` rather than `message`. The SDKs
   * read the member the model names, so the body must use the same spelling.
   */
  capitalizedMessageCodes?: ReadonlySet<string>;
}

interface CompiledRoute {
  route: RestJsonRoute;
  pattern: RegExp;
  names: string[];
}

const compiled = new WeakMap<RestJsonRoute[], CompiledRoute[]>();

/**
 * Routes a request to its operation, runs it and serializes the result or error. An error
 * other than `AwsError` is logged and returned as AWS's `ServiceException` (500).
 */
export async function serveRestJson(service: RestJsonService, request: LocalRequest): Promise<LocalResponse> {
  try {
    const match = matchRoute(service.routes, request.method, request.rawPath);
    if (!match) throw unknownOperation(request);

    const output = await match.route.handle({ path: match.path, query: request.query, request });
    return restJsonResponse(output.status ?? match.route.status, output.body, output.headers, request.requestId);
  } catch (error) {
    if (error instanceof AwsError) return restJsonErrorResponse(error, request.requestId, service.capitalizedMessageCodes);

    service.logger.error('rest-json operation failed', { method: request.method, path: request.rawPath, error });
    const failure = internalError(error);
    const serviceError = new AwsError('ServiceException', failure.message, 500, {}, { cause: error });
    return restJsonErrorResponse(serviceError, request.requestId, service.capitalizedMessageCodes);
  }
}

/** Finds the route for a method and raw path, with its path members decoded. */
export function matchRoute(
  routes: RestJsonRoute[],
  method: string,
  rawPath: string,
): { route: RestJsonRoute; path: Record<string, string> } | undefined {
  for (const candidate of compileRoutes(routes)) {
    if (candidate.route.method !== method) continue;
    const found = candidate.pattern.exec(rawPath);
    if (!found) continue;

    const path: Record<string, string> = {};
    candidate.names.forEach((name, index) => {
      path[name] = decodeURIComponent(found[index + 1]!);
    });
    return { route: candidate.route, path };
  }
  return undefined;
}

function compileRoutes(routes: RestJsonRoute[]): CompiledRoute[] {
  const cached = compiled.get(routes);
  if (cached) return cached;

  const result = routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        const member = /^\{(\w+)\}$/.exec(segment);
        if (!member) return segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
        names.push(member[1]!);
        return '([^/]+)';
      })
      .join('/');
    return { route, names, pattern: new RegExp(`^${source}/?$`) };
  });
  compiled.set(routes, result);
  return result;
}

/**
 * Reads the body as one JSON object; an empty body is `{}`, as the SDKs send for no input.
 * A body larger than `maxBytes` rejects with `onTooLarge()`.
 */
export async function readJsonObject(request: LocalRequest, maxBytes: number, onTooLarge: () => Error): Promise<JsonObject> {
  const body = await request.readBody(maxBytes, onTooLarge);
  if (body.length === 0) return {};

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: the body is not valid JSON.', 400, {}, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: the body must be a JSON object.');
  }
  return parsed as JsonObject;
}

/** Serializes a result: a JSON object as JSON, a `Buffer` as raw bytes (Invoke's payload). */
export function restJsonResponse(
  status: number,
  body: JsonObject | Buffer | undefined,
  headers: Record<string, string> = {},
  requestId: string,
): LocalResponse {
  const base: Record<string, string> = { 'x-amzn-requestid': requestId, ...headers };
  if (body === undefined) return { status, headers: base };
  if (Buffer.isBuffer(body)) return { status, headers: { 'content-type': REST_JSON_CONTENT_TYPE, ...base }, body };
  return { status, headers: { 'content-type': REST_JSON_CONTENT_TYPE, ...base }, body: JSON.stringify(body) };
}

/**
 * Serializes an `AwsError` as AWS's rest-json error: `Type` is `User` for 4xx and `Service`
 * for 5xx, the message member is spelled as the model spells it, and `extra` adds the
 * error's other modeled members (`Reason` of `TooManyRequestsException`).
 */
export function restJsonErrorResponse(
  error: AwsError,
  requestId: string,
  capitalizedMessageCodes: ReadonlySet<string> = new Set(),
): LocalResponse {
  const messageKey = capitalizedMessageCodes.has(error.code) ? 'Message' : 'message';
  const body = { Type: error.senderFault ? 'User' : 'Service', [messageKey]: error.message, ...error.extra };
  return {
    status: error.statusCode,
    headers: {
      'content-type': REST_JSON_CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': error.code,
    },
    body: JSON.stringify(body),
  };
}

function unknownOperation(request: LocalRequest): AwsError {
  return new AwsError(
    'UnknownOperationException',
    `The local cloud does not implement ${request.method} ${request.rawPath} for ${request.service}.`,
    404,
  );
}

/** Readers for body members that name the member and the expected type when it is wrong. */
export const member = {
  string(input: JsonObject, name: string): string | undefined {
    const value = input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidMember(name, value, 'a string');
    return value;
  },

  requiredString(input: JsonObject, name: string): string {
    const value = member.string(input, name);
    if (value === undefined || value === '') throw missingMember(name);
    return value;
  },

  integer(input: JsonObject, name: string): number | undefined {
    const value = input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidMember(name, value, 'an integer');
    return value;
  },

  boolean(input: JsonObject, name: string): boolean | undefined {
    const value = input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw invalidMember(name, value, 'true or false');
    return value;
  },

  object(input: JsonObject, name: string): JsonObject | undefined {
    const value = input[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidMember(name, value, 'a JSON object');
    return value as JsonObject;
  },

  stringMap(input: JsonObject, name: string): Record<string, string> | undefined {
    const value = member.object(input, name);
    if (value === undefined) return undefined;
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== 'string') throw invalidMember(`${name}.${key}`, entry, 'a string');
    }
    return value as Record<string, string>;
  },

  numberMap(input: JsonObject, name: string): Record<string, number> | undefined {
    const value = member.object(input, name);
    if (value === undefined) return undefined;
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== 'number') throw invalidMember(`${name}.${key}`, entry, 'a number');
    }
    return value as Record<string, number>;
  },

  stringList(input: JsonObject, name: string): string[] | undefined {
    const value = input[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalidMember(name, value, 'a list of strings');
    return value as string[];
  },

  /** Reads a blob member, sent as a base64 string. */
  blob(input: JsonObject, name: string): Buffer | undefined {
    const value = member.string(input, name);
    if (value === undefined) return undefined;
    const compact = value.replace(/\s/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw invalidMember(name, '<blob>', 'base64-encoded bytes');
    return Buffer.from(compact, 'base64');
  },
};

function invalidMember(name: string, value: unknown, expected: string): AwsError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new AwsError('InvalidParameterValueException', `The value ${shown} of ${name} is invalid: expected ${expected}.`);
}

function missingMember(name: string): AwsError {
  return new AwsError('InvalidParameterValueException', `The request is missing the required member ${name}.`);
}
