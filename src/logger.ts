// pino logger; level from LOG_LEVEL. Writes synchronously to stdout: the app logs little (start-up,
// errors), and sync writes keep log lines in order with the start-up banner (console.log) and are
// never lost when the process exits right after logging.
import pino from 'pino';

export function createLogger(level: string) {
  return pino({ level, base: undefined, redact: ['req.headers.authorization', 'req.headers.cookie', '*.password'] }, pino.destination({ dest: 1, sync: true }));
}
