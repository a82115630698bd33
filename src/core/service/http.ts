/**
 * HTTP events from API Gateway REST APIs (payload 1.0), HTTP APIs (payload 2.0) and function URLs
 * (same shape as 2.0): recognising them, reading their JSON body, and building the response.
 */
import { InvalidInputError } from '../errors.js';
import type { ErrorBody } from '../errors.js';

/** A proxy response of any of the three event sources. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

interface HttpEventShape {
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** True for an API Gateway REST (1.0) proxy event. */
export function isProxyEventV1(event: unknown): event is HttpEventShape & { httpMethod: string } {
  return isRecord(event) && typeof event.httpMethod === 'string' && 'body' in event;
}

/** True for an HTTP API (2.0) or function URL event. */
export function isProxyEventV2(event: unknown): event is HttpEventShape & { requestContext: { http: { method: string } } } {
  if (!isRecord(event) || !isRecord(event.requestContext)) return false;
  const http = event.requestContext.http;
  return isRecord(http) && typeof http.method === 'string';
}

/** True for any event that gets an HTTP response. */
export function isHttpEvent(event: unknown): event is HttpEventShape {
  return isProxyEventV1(event) || isProxyEventV2(event);
}

/** The request method of an HTTP event. */
export function httpMethodOf(event: unknown): string | undefined {
  if (isProxyEventV1(event)) return event.httpMethod.toUpperCase();
  if (isProxyEventV2(event)) return event.requestContext.http.method.toUpperCase();
  return undefined;
}

/** Parses the JSON request body of an HTTP event, decoding it first when `isBase64Encoded`. */
export function readHttpBody(event: HttpEventShape & object): unknown {
  const method = httpMethodOf(event);
  if (method !== undefined && method !== 'POST') {
    throw new InvalidInputError(`Method ${method} is not supported; send a POST with a JSON body.`);
  }

  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (text.trim() === '') throw new InvalidInputError('The request body is empty; send a JSON object such as {"data": "..."}.');

  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('The request body is not valid JSON.');
  }
}

/** Builds a response carrying `payload` as JSON, with status 200 unless given. */
export function jsonResponse(payload: unknown, statusCode = 200): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    isBase64Encoded: false,
  };
}

/** Builds the response of a failed request, with the error's status. */
export function errorResponse(body: ErrorBody): HttpResponse {
  return jsonResponse(body, body.status);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
