/**
 * Encryption SDK algorithm suites keystage writes, and the ones it recognises when it detects the
 * format of a ciphertext.
 *
 * The ids are written out rather than taken from `@aws-crypto/material-management`, so that the
 * main bundle of a service does not load the Encryption SDK; they are the values of its
 * `AlgorithmSuiteIdentifier` enum.
 */

/** AES-256-GCM with HKDF-SHA512 and key commitment, no signature (`0x0478`). */
export const COMMITTING_SUITE_ID = 0x0478;

/** The same suite with an ECDSA P-384 signature in the message footer (`0x0578`). */
export const COMMITTING_SIGNING_SUITE_ID = 0x0578;

/** Id of an algorithm suite of the Encryption SDK message format. */
export type SuiteId = number;

/** Returns the suite of new envelope messages, which is signed only when the stage config sets `signing`. */
export function suiteIdFor(signing: boolean): SuiteId {
  return signing ? COMMITTING_SIGNING_SUITE_ID : COMMITTING_SUITE_ID;
}

/** Suite ids of message format version 2 (the committing suites). */
export const V2_SUITE_IDS: ReadonlySet<number> = new Set([COMMITTING_SUITE_ID, COMMITTING_SIGNING_SUITE_ID]);

/** Suite ids of message format version 1 (non-committing, read only when a policy allows it). */
export const V1_SUITE_IDS: ReadonlySet<number> = new Set([
  0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378,
]);
