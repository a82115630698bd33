import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The parts of a botocore service model that the shape checks read. */
export interface ServiceModel {
  metadata: { protocol: string; apiVersion: string; signingName?: string };
  operations: Record<string, { name: string; input?: { shape: string }; output?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, ServiceShape>;
}

export interface ServiceShape {
  type: string;
  members?: Record<string, { shape: string; locationName?: string; location?: string }>;
  member?: { shape: string };
  required?: string[];
  enum?: string[];
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
}

let dataDir: string | undefined;

/** Returns the folder of botocore's data files, from the python3 that the AWS CLI uses. */
export function botocoreDataDir(): string {
  if (!dataDir) {
    const path = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
    }).trim();
    dataDir = join(path, 'data');
  }
  return dataDir;
}

/** Loads the newest model of a service (`s3`, `kms`, `lambda`, `iam`, `sts`). */
export function loadServiceModel(service: string): ServiceModel {
  const serviceDir = join(botocoreDataDir(), service);
  const version = readdirSync(serviceDir).sort().at(-1);
  if (!version) throw new Error(`botocore has no model for ${service} in ${serviceDir}`);
  const file = join(serviceDir, version, 'service-2.json.gz');
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as ServiceModel;
}
