import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from './log.js';
import { parseCredentialScope, routeService } from './routing.js';
import type { Authorize, LocalRequest, LocalResponse, Provider, ServiceName } from './request.js';

/** Turns the caller's access key into the check that providers run before each operation. */
export type AuthorizerFactory = (accessKeyId: string, service: ServiceName, region: string) => Authorize;

export interface ServerOptions {
  host: string;
  port: number;
  accountId: string;
  defaultRegion: string;
  providers: Provider[];
  authorizerFor: AuthorizerFactory;
  logger: Logger;
}

/** A listening HTTP server and the URL that clients use as their endpoint. */
export interface RunningServer {
  server: Server;
  url: string;
  port: number;
}

const ALLOW_ALL: Authorize = () => undefined;

/** Starts the one HTTP listener of the local cloud and routes each request to its provider. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const providers = new Map(options.providers.map((provider) => [provider.service, provider]));
  const server = createServer((request, response) => {
    void serve(request, response, providers, options);
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { server, url: `http://${host}:${port}`, port };
}

async function serve(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  providers: Map<ServiceName, Provider>,
  options: ServerOptions,
): Promise<void> {
  const started = performance.now();
  const request = toLocalRequest(incoming, options);
  const provider = request && providers.get(request.service);

  let response: LocalResponse;
  if (!request || !provider) {
    response = unknownService(incoming);
  } else {
    try {
      response = await provider.handle(request);
    } catch (error) {
      options.logger.error('provider failed without an AWS error response', { service: request.service, error });
      response = { status: 500, headers: { 'content-type': 'text/plain' }, body: 'InternalFailure' };
    }
  }

  await writeResponse(outgoing, response, options.logger);
  options.logger.debug('request', {
    service: request?.service,
    method: incoming.method,
    path: incoming.url,
    status: response.status,
    durationMs: Math.round(performance.now() - started),
  });
}

function toLocalRequest(incoming: IncomingMessage, options: ServerOptions): LocalRequest | undefined {
  const url = new URL(incoming.url ?? '/', 'http://localhost');
  const rawPath = (incoming.url ?? '/').split('?')[0] ?? '/';
  const scope = parseCredentialScope(incoming.headers, url.searchParams);
  const service = routeService(scope, incoming.headers, rawPath, url.searchParams.get('Version') ?? undefined);
  if (!service) return undefined;

  const accessKeyId = scope?.accessKeyId ?? '';
  const region = scope?.region ?? options.defaultRegion;
  return {
    method: incoming.method ?? 'GET',
    rawPath,
    query: url.searchParams,
    headers: incoming.headers,
    hostname: (incoming.headers.host ?? '').replace(/:\d+$/, ''),
    service,
    region,
    accessKeyId,
    accountId: options.accountId,
    requestId: randomUUID(),
    authorize: accessKeyId ? options.authorizerFor(accessKeyId, service, region) : ALLOW_ALL,
    readBody: (maxBytes, onTooLarge) => readBody(incoming, maxBytes, onTooLarge),
    stream: incoming,
  };
}

function readBody(incoming: IncomingMessage, maxBytes: number, onTooLarge: () => Error): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    incoming.resume();
    return Promise.reject(onTooLarge());
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    incoming.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        incoming.removeAllListeners('data');
        incoming.resume();
        reject(onTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}

async function writeResponse(outgoing: ServerResponse, response: LocalResponse, logger: Logger): Promise<void> {
  const { status, headers = {}, body } = response;
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
    const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (bytes && headers['content-length'] === undefined) headers['content-length'] = bytes.length;
    outgoing.writeHead(status, headers);
    outgoing.end(bytes);
    return;
  }

  outgoing.writeHead(status, headers);
  await new Promise<void>((resolve) => {
    body.on('error', (error) => {
      logger.warn('response stream failed', { error });
      outgoing.destroy(error as Error);
      resolve();
    });
    body.on('end', resolve);
    body.pipe(outgoing);
  });
}

function unknownService(incoming: IncomingMessage): LocalResponse {
  incoming.resume();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRequest</Code>' +
    '<Message>The local cloud serves s3, kms, lambda, iam, sts and logs; the request names another service.</Message></Error>';
  return { status: 400, headers: { 'content-type': 'application/xml' }, body };
}
