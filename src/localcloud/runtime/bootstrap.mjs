// The program of one execution environment: a Node.js child process that loads the
// function's handler once (the init phase) and then runs one invocation at a time on
// request from the local cloud, over the IPC channel.
//
// Messages from the parent: {type: 'invoke', requestId, event (JSON text), deadlineMs,
// invokedFunctionArn, clientContext?}.
// Messages to the parent: {type: 'ready'}, {type: 'initError', error},
// {type: 'log', text}, {type: 'result', requestId, payload? | error?, maxRssBytes},
// {type: 'fatal', requestId?, error}, sent before the process exits on an uncaught error.
//
// Console output is formatted as the Node.js runtime formats it
// (`<ISO time>\t<request id>\t<LEVEL>\t<message>`) and sent over IPC, like every other write
// to stdout and stderr, so log lines and results arrive in the order they were produced.

import { format } from 'node:util';

import { loadHandler, toErrorPayload } from './handler-resolution.mjs';

const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const handlerString = process.env._HANDLER ?? '';

let currentRequestId;
let current;
let maxRssBytes = 0;

function send(message, callback) {
  if (process.connected) process.send(message, callback);
  else callback?.();
}

function emit(text) {
  send({ type: 'log', text });
}

function captureOutput() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      emit(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`);
    };
  }

  for (const stream of [process.stdout, process.stderr]) {
    stream.write = (chunk, encoding, callback) => {
      emit(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (done) process.nextTick(done);
      return true;
    };
  }
}

function recordMemory() {
  maxRssBytes = Math.max(maxRssBytes, process.memoryUsage().rss);
}

function createContext(message, settle) {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: message.clientContext,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
    // The legacy completion methods, which the Node.js runtime still offers.
    succeed: (result) => settle(null, result),
    fail: (error) => settle(error ?? new Error('handled')),
    done: (error, result) => settle(error, result),
  };
  return context;
}

// Runs `action` once the handler's work has drained from the event loop, as the runtime
// does for callback-style handlers while `callbackWaitsForEmptyEventLoop` is true, and for
// handlers that neither return a promise nor call the callback (they return null). The IPC
// channel is unreferenced meanwhile, so that only the handler's own work keeps the loop busy.
// A later request replaces the pending action, so one listener serves an invocation.
let emptyLoopAction;
let waitingForEmptyLoop = false;

function afterEmptyEventLoop(action) {
  emptyLoopAction = action;
  if (waitingForEmptyLoop) return;

  waitingForEmptyLoop = true;
  process.channel?.unref();
  process.once('beforeExit', () => {
    waitingForEmptyLoop = false;
    process.channel?.ref();
    const pending = emptyLoopAction;
    emptyLoopAction = undefined;
    pending?.();
  });
}

function respond(requestId, error, result) {
  if (!current || current.requestId !== requestId || current.responded) return;
  current.responded = true;
  recordMemory();

  if (error !== null && error !== undefined) {
    send({ type: 'result', requestId, error: toErrorPayload(error), maxRssBytes });
    return;
  }

  let payload;
  try {
    payload = JSON.stringify(result === undefined ? null : result);
  } catch (cause) {
    const failure = toErrorPayload(cause);
    send({ type: 'result', requestId, error: { ...failure, errorType: 'Runtime.MarshalError' }, maxRssBytes });
    return;
  }
  send({ type: 'result', requestId, payload: payload ?? 'null', maxRssBytes });
}

async function invoke(handler, message) {
  currentRequestId = message.requestId;
  current = { requestId: message.requestId, responded: false };
  const requestId = message.requestId;

  let callbackCalled = false;
  const context = createContext(message, (error, result) => respond(requestId, error, result));
  const callback = (error, result) => {
    callbackCalled = true;
    if (context.callbackWaitsForEmptyEventLoop) afterEmptyEventLoop(() => respond(requestId, error, result));
    else respond(requestId, error, result);
  };

  let event;
  try {
    event = JSON.parse(message.event);
  } catch (error) {
    respond(requestId, error);
    return;
  }

  try {
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (result) => respond(requestId, null, result),
        (error) => respond(requestId, error ?? new Error('handled')),
      );
      return;
    }
    if (!callbackCalled) afterEmptyEventLoop(() => respond(requestId, null, null));
  } catch (error) {
    respond(requestId, error);
  }
}

// Reports an error that escaped the handler, then ends the environment as the runtime does.
// `kind` is 'Uncaught Exception' or 'Unhandled Promise Rejection', the runtime's log wording.
function fail(kind, error) {
  let payload = toErrorPayload(error);
  if (kind === 'Unhandled Promise Rejection') {
    const reason = `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;
    payload = { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: reason, trace: payload.trace };
  }
  emit(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\tERROR\t${kind} \t${JSON.stringify(payload)}\n`);

  const inFlight = current && !current.responded ? current.requestId : undefined;
  recordMemory();
  send({ type: 'fatal', requestId: inFlight, error: payload, maxRssBytes }, () => process.exit(129));
}

async function main() {
  captureOutput();
  // The local cloud is gone (stopped or killed): an environment never outlives it.
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', (error) => fail('Uncaught Exception', error));
  process.on('unhandledRejection', (reason) => fail('Unhandled Promise Rejection', reason));

  let handler;
  try {
    handler = await loadHandler(taskRoot, handlerString);
  } catch (error) {
    const payload = toErrorPayload(error);
    emit(`${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(payload)}\n`);
    send({ type: 'initError', error: payload });
    return;
  }

  process.on('message', (message) => {
    if (message?.type === 'invoke') void invoke(handler, message);
  });
  send({ type: 'ready' });
}

void main();
