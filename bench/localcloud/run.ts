// Compares the local cloud with moto server on this machine, with one client, in one run.
// Usage: npx tsx bench/localcloud/run.ts [--seconds 3] [--concurrency 8]
//
// Besides requests per second, it reports the CPU time that each server process spent per
// request (from /proc, so Linux only). The client shares the machine with both servers, so
// on a small or busy machine the request rate of a fast server is bounded by the client,
// while the CPU time per request still compares the servers themselves.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { zipSync } from 'fflate';

import { freePort } from '../../test/support/moto.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '8' } },
});
const DURATION_MS = Number(values.seconds) * 1000;
const CONCURRENCY = Number(values.concurrency);
const CREDENTIALS = { accessKeyId: 'AKIAKEYSTAGEBENCH001', secretAccessKey: 'bench' };
const REGION = 'us-east-1';
const ROLE_NAME = 'bench-role';
const FUNCTION_NAME = 'bench-function';
const TRIVIAL_HANDLER = 'exports.handler = async (event) => ({ ok: true, echo: event });';

interface Target {
  name: string;
  /** The server process, whose CPU time is measured. */
  serverPid?: number;
  s3: S3Client;
  kms: KMSClient;
  lambda: LambdaClient;
  keyId: string;
}

interface Operation {
  name: string;
  run(target: Target, index: number): Promise<unknown>;
}

const ONE_KIB = Buffer.alloc(1024, 7);
const ONE_MIB = Buffer.alloc(1024 * 1024, 9);

const OPERATIONS: Operation[] = [
  { name: 'PutObject 1 KiB', run: (t, i) => t.s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `small/${i % 64}`, Body: ONE_KIB })) },
  { name: 'GetObject 1 KiB', run: (t) => readObject(t.s3, 'small/0') },
  { name: 'PutObject 1 MiB', run: (t, i) => t.s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `large/${i % 8}`, Body: ONE_MIB })) },
  { name: 'GetObject 1 MiB', run: (t) => readObject(t.s3, 'large/0') },
  { name: 'KMS Encrypt', run: (t) => t.kms.send(new EncryptCommand({ KeyId: t.keyId, Plaintext: ONE_KIB.subarray(0, 64) })) },
  {
    name: 'Lambda GetFunctionConfiguration',
    run: (t) => t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION_NAME })),
  },
];

async function readObject(s3: S3Client, key: string): Promise<void> {
  const object = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
  await object.Body?.transformToByteArray();
}

function clients(name: string, endpoint: string, serverPid: number | undefined): Omit<Target, 'keyId'> {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS };
  return {
    name,
    serverPid,
    s3: new S3Client({ ...config, forcePathStyle: true }),
    kms: new KMSClient(config),
    lambda: new LambdaClient(config),
  };
}

async function prepare(name: string, endpoint: string, serverPid: number | undefined): Promise<Target> {
  const target = clients(name, endpoint, serverPid);
  await target.s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  await target.s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'small/0', Body: ONE_KIB }));
  await target.s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'large/0', Body: ONE_MIB }));
  const key = await target.kms.send(new CreateKeyCommand({}));

  const iam = new IAMClient({ endpoint, region: REGION, credentials: CREDENTIALS });
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  const role = await iam.send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  iam.destroy();

  const zip = zipSync({ 'index.js': Buffer.from(TRIVIAL_HANDLER) });
  await target.lambda.send(
    new CreateFunctionCommand({
      FunctionName: FUNCTION_NAME,
      Runtime: 'nodejs20.x',
      Role: role.Role!.Arn!,
      Handler: 'index.handler',
      Code: { ZipFile: zip },
    }),
  );
  await waitUntilFunctionActiveV2({ client: target.lambda, maxWaitTime: 60 }, { FunctionName: FUNCTION_NAME });
  return { ...target, keyId: key.KeyMetadata!.KeyId! };
}

interface Throughput {
  requestsPerSecond: number;
  /** CPU time of the server process per request, user and system; undefined where /proc is missing. */
  serverCpuMsPerRequest?: number;
}

/** Runs `operation` from CONCURRENCY workers for DURATION_MS and measures the rate and the server's CPU time. */
async function throughput(target: Target, operation: Operation): Promise<Throughput> {
  let completed = 0;
  const deadline = performance.now() + DURATION_MS;
  const started = performance.now();
  const cpuBeforeMs = processCpuMs(target.serverPid);
  const workers = Array.from({ length: CONCURRENCY }, async (_, worker) => {
    for (let index = worker; performance.now() < deadline; index += CONCURRENCY) {
      await operation.run(target, index);
      completed += 1;
    }
  });
  await Promise.all(workers);

  const requestsPerSecond = completed / ((performance.now() - started) / 1000);
  const cpuAfterMs = processCpuMs(target.serverPid);
  const serverCpuMsPerRequest = cpuBeforeMs === undefined || cpuAfterMs === undefined ? undefined : (cpuAfterMs - cpuBeforeMs) / completed;
  return { requestsPerSecond, serverCpuMsPerRequest };
}

let clockTicksPerSecond: number | undefined;

/** User plus system CPU time of a process in milliseconds, from /proc/PID/stat; undefined when unavailable. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

/** Median latency in milliseconds of `count` sequential calls, after `count / 10` warm-up calls. */
async function medianLatencyMs(call: () => Promise<unknown>, count: number): Promise<number> {
  for (let index = 0; index < count / 10; index += 1) await call();
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function serveLocalCloud(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const script = join(import.meta.dirname, '..', '..', 'test', 'support', 'serve-localcloud.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`local cloud exited with code ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, url: chunk.toString().trim() }));
  });
}

/** Starts moto server on a free loopback port, in a process of its own so that its CPU time can be read. */
async function serveMoto(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited with code ${child.exitCode}; is moto[server] installed?`);
    try {
      await fetch(`${url}/moto-api/`);
      return { child, url };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`moto server did not start on ${url} within 30 seconds`);
}

function row(cells: string[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(34) : cell.padStart(12))).join('');
}

function formatMs(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(3);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keystage-bench-'));
  const local = await serveLocalCloud(dataDir);
  const moto = await serveMoto();

  try {
    const localTarget = await prepare('local cloud', local.url, local.child.pid);
    const motoTarget = await prepare('moto', moto.url, moto.child.pid);

    console.log(`${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s per operation and target`);
    console.log('server CPU ms/req: user + system CPU time of the server process per request\n');
    console.log(row(['operation', 'local req/s', 'moto req/s', 'ratio', 'local CPU', 'moto CPU', 'CPU ratio']));
    for (const operation of OPERATIONS) {
      const localResult = await throughput(localTarget, operation);
      const motoResult = await throughput(motoTarget, operation);
      const ratio = localResult.requestsPerSecond / motoResult.requestsPerSecond;
      const localCpu = localResult.serverCpuMsPerRequest;
      const motoCpu = motoResult.serverCpuMsPerRequest;
      const cpuRatio = localCpu && motoCpu ? `${(motoCpu / localCpu).toFixed(2)}x` : 'n/a';
      console.log(
        row([
          operation.name,
          localResult.requestsPerSecond.toFixed(0),
          motoResult.requestsPerSecond.toFixed(0),
          `${ratio.toFixed(2)}x`,
          formatMs(localCpu),
          formatMs(motoCpu),
          cpuRatio,
        ]),
      );
    }

    const payload = Buffer.from(JSON.stringify({ ping: 1 }));
    const invokeMs = await medianLatencyMs(
      () => localTarget.lambda.send(new InvokeCommand({ FunctionName: FUNCTION_NAME, Payload: payload })),
      200,
    );
    const configurationMs = await medianLatencyMs(
      () => localTarget.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION_NAME })),
      200,
    );
    console.log('\nwarm Invoke of a trivial function against a GetFunctionConfiguration round trip (local cloud, median of 200)');
    console.log(row(['call', 'median ms', '', 'ratio']));
    console.log(row(['Invoke (warm)', invokeMs.toFixed(2), '', `${(invokeMs / configurationMs).toFixed(2)}x`]));
    console.log(row(['GetFunctionConfiguration', configurationMs.toFixed(2), '', '1.00x']));
    console.log('\ntargets: local cloud >= 3x moto on every operation; warm Invoke <= 3x GetFunctionConfiguration');
    console.log('CPU ratio: moto CPU ms per request / local CPU ms per request');
  } finally {
    local.child.kill('SIGTERM');
    moto.child.kill('SIGTERM');
    setTimeout(() => moto.child.kill('SIGKILL'), 3000).unref();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
