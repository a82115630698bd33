/**
 * Command output: results on stdout, progress and errors on stderr, tables for people and JSON
 * with `--json` for programs. `main` passes an `Io`, so tests can run
 * commands in-process and read what they print.
 */

import { createInterface } from 'node:readline/promises';

import { UsageError } from './errors.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Asks a yes/no question on the terminal; false when there is no terminal to ask on. */
  confirm(question: string): Promise<boolean>;
  /** True when `confirm` can ask someone: standard input is a terminal. Absent means it can. */
  interactive?(): boolean;
  /** Resolves when the user asks the process to stop (Ctrl-C, SIGTERM). */
  interrupted(): Promise<string>;
}

/** Creates the `Io` of a real process: its streams, environment, terminal and signals. */
export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    interactive: () => Boolean(process.stdin.isTTY),
    confirm: async (question) => {
      if (!process.stdin.isTTY) return false;
      const readline = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await readline.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        readline.close();
      }
    },
    interrupted: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      }),
  };
}

/** Renders rows as a plain-text table with a header row, columns padded to their widest cell. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();

  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n') + '\n';
}

export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** "1.2 MB"-style size for people; exact bytes stay in `--json` output. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Asks `question` unless `yes` is set. Throws `UsageError` with `refusal` when the user declines,
 * and a message naming `--yes` when there is no terminal to ask on.
 */
export async function requireConfirmation(io: Io, yes: boolean | undefined, question: string, refusal: string): Promise<void> {
  if (yes) return;
  if (io.interactive?.() === false) {
    throw new UsageError(`${refusal} There is no terminal to ask for confirmation on (standard input is not a TTY); pass --yes to proceed without asking.`);
  }
  if (!(await io.confirm(question))) throw new UsageError(refusal);
}
