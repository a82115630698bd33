import type { RestJsonRoute } from '../protocol/rest-json.js';
import type { AsyncInvocationQueue } from './async-queue.js';
import { InvalidParameterValueException, InvalidRequestContentException, RequestTooLargeException, ResourceNotFoundException } from './errors.js';
import { MAX_ASYNC_PAYLOAD_BYTES, MAX_SYNC_PAYLOAD_BYTES, checkPayload, prepareInvocation, runInvocation } from './invoke.js';
import type { InvokeDependencies } from './invoke.js';
import { resolveTarget } from './lookup.js';
import { authorizeFunction, pathReference, route } from './routes.js';

const INVOCATION_TYPES = new Set(['RequestResponse', 'Event', 'DryRun']);

/** The HTTP bindings of Invoke, the older InvokeAsync, and the download of function code. */
export function invokeRoutes(deps: InvokeDependencies, queue: AsyncInvocationQueue): RestJsonRoute[] {
  const { state } = deps;

  return [
    route('Invoke', 'POST', '/2015-03-31/functions/{FunctionName}/invocations', 200, async (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:InvokeFunction', reference);
      const invocationType = headerValue(input.request.headers['x-amz-invocation-type']) ?? 'RequestResponse';
      if (!INVOCATION_TYPES.has(invocationType)) {
        throw new InvalidParameterValueException(`The invocation type ${invocationType} is invalid: use RequestResponse, Event or DryRun.`);
      }
      const logType = headerValue(input.request.headers['x-amz-log-type']) ?? 'None';
      if (logType !== 'None' && logType !== 'Tail') {
        throw new InvalidParameterValueException(`The log type ${logType} is invalid: use None or Tail.`);
      }

      const maxBytes = invocationType === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
      const payload = await input.request.readBody(
        maxBytes,
        () => new RequestTooLargeException(`Request must be smaller than ${maxBytes} bytes for the InvokeFunction operation`),
      );
      const event = checkPayload(payload);

      if (invocationType === 'DryRun') {
        resolveTarget(state, reference);
        return { status: 204 };
      }
      if (invocationType === 'Event') {
        resolveTarget(state, reference);
        queue.enqueue({ ...reference, payload: Buffer.from(event), requestId: input.request.requestId });
        return { status: 202 };
      }

      const clientContext = parseClientContext(headerValue(input.request.headers['x-amz-client-context']));
      const prepared = prepareInvocation(state, reference);
      const response = await runInvocation(deps, prepared, input.request.requestId, event, {
        waitForCapacity: false,
        tailLog: logType === 'Tail',
        clientContext,
      });
      const headers: Record<string, string> = { 'x-amz-executed-version': response.executedVersion };
      if (response.functionError) headers['x-amz-function-error'] = response.functionError;
      if (response.logResult !== undefined) headers['x-amz-log-result'] = response.logResult;
      return { status: 200, headers, body: response.payload };
    }),

    route('InvokeAsync', 'POST', '/2014-11-13/functions/{FunctionName}/invoke-async', 202, async (input) => {
      const reference = pathReference(state, input);
      authorizeFunction(input, state, 'lambda:InvokeAsync', reference);
      const payload = await input.request.readBody(
        MAX_ASYNC_PAYLOAD_BYTES,
        () => new RequestTooLargeException(`Request must be smaller than ${MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeAsync operation`),
      );
      const event = checkPayload(payload);
      resolveTarget(state, reference);
      queue.enqueue({ ...reference, payload: Buffer.from(event), requestId: input.request.requestId });
      return { status: 202 };
    }),

    route('GetFunctionCode', 'GET', '/2015-03-31/functions/{FunctionName}/code-download/{Digest}', 200, (input) => {
      const digest = input.path.Digest!;
      if (!/^[0-9a-f]{64}$/.test(digest) || !state.store.isCodeInUse(digest)) {
        throw new ResourceNotFoundException(`No function code with digest ${digest} is stored: call GetFunction for a current Code.Location.`);
      }
      return { headers: { 'content-type': 'application/zip' }, body: state.code.read(digest) };
    }),
  ];
}

/** Lambda's limit for `X-Amz-Client-Context`: 3,583 bytes of base64-encoded JSON. */
export const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** Decodes `X-Amz-Client-Context`, the base64 JSON that becomes `context.clientContext`. */
function parseClientContext(header: string | undefined): unknown {
  if (header === undefined || header === '') return undefined;
  if (header.length > MAX_CLIENT_CONTEXT_BYTES) {
    throw new InvalidParameterValueException(`Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes of base64-encoded JSON.`);
  }
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch (error) {
    throw new InvalidRequestContentException('Client context must be a valid Base64-encoded JSON object.', { cause: error });
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
