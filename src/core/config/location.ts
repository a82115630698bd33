/** Location of each stage's config object in the config bucket. */

/** Returns the object key of a stage's config: `<stage>/config.json`. */
export function configKeyFor(stage: string): string {
  return `${stage}/config.json`;
}

/** Returns the `s3://bucket/key` form of a stage's config, for messages. */
export function configUri(bucket: string, stage: string): string {
  return `s3://${bucket}/${configKeyFor(stage)}`;
}
