import { S3ServiceException } from '@aws-sdk/client-s3';
import { expect } from 'vitest';

/** One step of an S3 scenario and the response fields both implementations must agree on. */
export interface Step {
  step: string;
  result: unknown;
}

export type Scenario = Step[];

/** Returns the result of a named step; throws when the scenario has no such step. */
export function resultOf(scenario: Scenario, step: string): unknown {
  const entry = scenario.find((candidate) => candidate.step === step);
  if (!entry) throw new Error(`the scenario has no step "${step}"`);
  return entry.result;
}

/** Runs an S3 call and returns its result, or the error name and status of an S3 error. */
export async function attempt(action: () => Promise<unknown>): Promise<unknown> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    return { error: error.name, status: error.$metadata.httpStatusCode };
  }
}

/**
 * Asserts that two runs of one scenario have the same steps and the same result on every step
 * but those in `departures`, where moto departs from AWS's documentation.
 */
export function expectAgreement(local: Scenario, reference: Scenario, departures: ReadonlySet<string>): void {
  expect(local.map((entry) => entry.step)).toEqual(reference.map((entry) => entry.step));

  for (const [index, entry] of local.entries()) {
    if (departures.has(entry.step)) continue;
    expect(entry.result, entry.step).toEqual(reference[index]!.result);
  }
}
