import type { ActionResult } from '../main.js';
import type { Io } from '../output.js';
import { openSession } from '../session.js';
import type { CommonOptions, Session } from '../session.js';

/**
 * Wraps a command body: opens a session from the command's options, runs the body, closes the
 * clients, and passes a returned exit code to `main`. Errors propagate to `main`, which prints them.
 */
export function withSession<O extends CommonOptions>(
  io: Io,
  setExitCode: (code: number) => void,
  body: (session: Session, options: O) => Promise<ActionResult>,
): (options: O) => Promise<void> {
  return async (options) => {
    const session = openSession(options, io);
    try {
      const code = await body(session, options);
      if (typeof code === 'number') setExitCode(code);
    } finally {
      session.close();
    }
  };
}
