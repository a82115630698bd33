/**
 * A data key provider backed by an Encryption SDK materials manager, so the message codec can be
 * tested against keyrings the SDK owns (a raw AES keyring here) in both directions.
 */
import { CommitmentPolicy, EncryptedDataKey, NodeAlgorithmSuite, unwrapDataKey } from '@aws-crypto/material-management-node';
import type { NodeMaterialsManager } from '@aws-crypto/material-management-node';

import type { DataKeyProvider } from '../../../../src/core/crypto/data-keys.js';
import { COMMITTING_SUITE_ID } from '../../../../src/core/crypto/suites.js';

const suite = new NodeAlgorithmSuite(COMMITTING_SUITE_ID);

/** Wraps `manager` as a data key provider; `keyId` names its key in results. */
export function sdkDataKeys(manager: NodeMaterialsManager, keyId: string): DataKeyProvider {
  return {
    async generateDataKey(context, plaintextBytes) {
      const material = await manager.getEncryptionMaterials({ suite, encryptionContext: context, plaintextLength: plaintextBytes, commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT });
      const dataKey = Buffer.from(unwrapDataKey(material.getUnencryptedDataKey()));
      const encryptedDataKeys = material.encryptedDataKeys.map(({ providerId, providerInfo, rawInfo, encryptedDataKey }) => ({ providerId, providerInfo, rawInfo, encryptedDataKey }));
      material.zeroUnencryptedDataKey();
      return { dataKey, encryptedDataKeys, keyId };
    },

    async decryptDataKey(context, encryptedDataKeys) {
      const material = await manager.decryptMaterials({ suite, encryptionContext: context, encryptedDataKeys: encryptedDataKeys.map((dataKey) => new EncryptedDataKey(dataKey)) });
      const dataKey = Buffer.from(unwrapDataKey(material.getUnencryptedDataKey()));
      material.zeroUnencryptedDataKey();
      return { dataKey, keyId };
    },

    loadMaterialsManager: async () => manager,
  };
}
