// Last-resort handlers: an error nobody caught is logged and the process keeps serving. Errors are
// handled where they happen (session store, database calls, streams); these catch what slips past,
// because one stray rejection (a database that went away) must not take every request down with it.
import type { Logger } from 'pino';

let installed = false;

export function installLastResortHandlers(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (logged; still serving)');
  });
  process.on('uncaughtException', (err, origin) => {
    logger.error({ err, origin }, 'uncaught exception (logged; still serving)');
  });
}
