import { AwsError, internalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LocalRequest, LocalResponse } from '../request.js';

/**
 * The AWS `json` 1.1 protocol, as KMS and CloudWatch Logs speak it. A request is a POST whose
 * `X-Amz-Target` header names `<TargetPrefix>.<Operation>`. Bodies in and out are JSON, with
 * blobs as base64 strings and timestamps as epoch seconds. An error is
 * `{"__type": "<Code>", "message": "..."}` with the HTTP status of the error.
 */

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** The largest request body the codec reads, well above the largest KMS request. */
export const MAX_JSON_REQUEST_BYTES = 1024 * 1024;

/** A JSON object as it arrives on the wire, before an operation checks its members. */
export type JsonObject = Record<string, unknown>;

/** One operation of a json-protocol service: the parsed body in, a JSON-ready object out. */
export type JsonOperation = (input: JsonObject, request: LocalRequest) => JsonObject | undefined;

/** The operations of a json-protocol service, keyed by the operation name in the target. */
export interface JsonService {
  /** The part of `X-Amz-Target` before the dot, `TrentService` for KMS. */
  targetPrefix: string;
  operations: Record<string, JsonOperation>;
  logger: Logger;
}

/**
 * Parses a json-protocol request, runs its operation and serializes the result or error.
 * Any error other than `AwsError` is logged and returned as `InternalFailure` (500).
 */
export async function serveJson(service: JsonService, request: LocalRequest): Promise<LocalResponse> {
  try {
    const operation = resolveOperation(service, request);
    const input = await readJsonBody(request);
    const output = operation(input, request);
    return jsonResponse(output ?? {}, request.requestId);
  } catch (error) {
    if (error instanceof AwsError) return jsonErrorResponse(error, request.requestId);

    service.logger.error('json operation failed', { target: request.headers['x-amz-target'], error });
    return jsonErrorResponse(internalError(error), request.requestId);
  }
}

function resolveOperation(service: JsonService, request: LocalRequest): JsonOperation {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(`${service.targetPrefix}.`)) {
    throw new AwsError('UnknownOperationException', `Missing or invalid X-Amz-Target header: expected ${service.targetPrefix}.<Operation>.`);
  }

  const name = target.slice(service.targetPrefix.length + 1);
  const operation = Object.hasOwn(service.operations, name) ? service.operations[name] : undefined;
  if (!operation) throw new AwsError('UnknownOperationException', `The local cloud does not implement ${target}.`);
  return operation;
}

/** Reads the body as one JSON object; an empty body is `{}`, as the SDKs send for no input. */
export async function readJsonBody(request: LocalRequest): Promise<JsonObject> {
  const body = await request.readBody(
    MAX_JSON_REQUEST_BYTES,
    () => new AwsError('SerializationException', `The request body is larger than ${MAX_JSON_REQUEST_BYTES} bytes.`, 413),
  );
  if (body.length === 0) return {};

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.', 400, {}, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as JsonObject;
}

/** Serializes a successful result; `Date` values become epoch seconds and `Buffer`s base64. */
export function jsonResponse(output: JsonObject, requestId: string): LocalResponse {
  return {
    status: 200,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
    body: JSON.stringify(output, wireValue),
  };
}

/** Serializes an `AwsError` as the protocol's error body, with its code in `x-amzn-ErrorType` too. */
export function jsonErrorResponse(error: AwsError, requestId: string): LocalResponse {
  const body = { __type: error.code, message: error.message, ...error.extra };
  return {
    status: error.statusCode,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
    body: JSON.stringify(body),
  };
}

function wireValue(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Date) return original.getTime() / 1000;
  if (Buffer.isBuffer(original)) return original.toString('base64');
  return value;
}

/**
 * The error AWS returns when a member breaks its modeled constraint, worded as AWS words it:
 * `1 validation error detected: Value at 'plaintext' failed to satisfy constraint: ...`.
 * AWS names the member in camel case and shows short values in quotes.
 */
export function validationError(memberName: string, constraint: string, value?: string | number | null): AwsError {
  const field = memberName.charAt(0).toLowerCase() + memberName.slice(1);
  let quotedValue = '';
  if (value === null) quotedValue = ' null';
  else if (value !== undefined) quotedValue = ` '${value}'`;
  return new AwsError('ValidationException', `1 validation error detected: Value${quotedValue} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** Reads an optional string member. */
export function optionalString(input: JsonObject, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(name, 'a string');
  return value;
}

/** Reads a required string member; a missing one is AWS's "Member must not be null". */
export function requiredString(input: JsonObject, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined) throw validationError(name, 'Member must not be null', null);
  return value;
}

/** Reads an optional integer member. */
export function optionalInteger(input: JsonObject, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(name, 'an integer');
  return value;
}

/** Reads an optional boolean member. */
export function optionalBoolean(input: JsonObject, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw wrongType(name, 'true or false');
  return value;
}

/** Reads an optional blob member, sent as a base64 string. */
export function optionalBlob(input: JsonObject, name: string): Buffer | undefined {
  const value = optionalString(input, name);
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) throw wrongType(name, 'base64-encoded bytes');
  return Buffer.from(value, 'base64');
}

/** Reads an optional map of strings to strings. */
export function optionalStringMap(input: JsonObject, name: string): Record<string, string> | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(name, 'an object of strings');

  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, entry]) => typeof entry !== 'string')) throw wrongType(name, 'an object of strings');
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Reads an optional list member whose items are JSON objects. */
export function optionalObjectList(input: JsonObject, name: string): JsonObject[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const isObjectList =
    Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item));
  if (!isObjectList) throw wrongType(name, 'a list of objects');
  return value as JsonObject[];
}

/** Reads an optional list member whose items are strings. */
export function optionalStringList(input: JsonObject, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw wrongType(name, 'a list of strings');
  return value as string[];
}

function wrongType(name: string, expected: string): AwsError {
  return new AwsError('SerializationException', `The member ${name} must be ${expected}.`);
}
