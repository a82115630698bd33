import type { Io } from '../../../src/cli/output.js';

/** An `Io` that records output, returns `confirmAnswer` to every confirmation, and is interrupted only by `interrupt()`. */
export interface RecordingIo extends Io {
  output(): string;
  errors(): string;
  /** Resolves the pending `interrupted()` promise, as Ctrl-C would. */
  interrupt(): void;
}

export function recordingIo(env: NodeJS.ProcessEnv = {}, confirmAnswer = false, interactive = true): RecordingIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let interrupt: (signal: string) => void = () => undefined;
  const interrupted = new Promise<string>((resolve) => {
    interrupt = resolve;
  });

  return {
    env: { AWS_EC2_METADATA_DISABLED: 'true', ...env },
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    confirm: async () => confirmAnswer,
    interactive: () => interactive,
    interrupted: () => interrupted,
    output: () => stdout.join(''),
    errors: () => stderr.join(''),
    interrupt: () => interrupt('SIGINT'),
  };
}
