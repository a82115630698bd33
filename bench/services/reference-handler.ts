/**
 * The reference bundle of the bundle benchmark: only the S3 and KMS SDK clients, with the
 * commands the services send, constructed as the services construct them.
 */
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

const s3 = new S3Client({});
const kms = new KMSClient({});

export async function handler(event: { bucket: string; key: string; keyId: string }): Promise<unknown> {
  const config = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: event.key }));
  const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: event.keyId, NumberOfBytes: 32 }));
  const encrypted = await kms.send(new EncryptCommand({ KeyId: event.keyId, Plaintext: dataKey.Plaintext }));
  const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
  return { etag: config.ETag, bytes: decrypted.Plaintext?.byteLength };
}
