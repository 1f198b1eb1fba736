// npm test: every test on SQLite and again on MySQL/MariaDB when reachable (REQUIRE_MYSQL=1 makes
// an unreachable MariaDB a failure). Browser tests run in the SQLite pass. The two passes run side
// by side (each mostly keeps one core busy; TEST_SERIAL=1 runs them one after the other): the
// SQLite pass prints as it goes, the MariaDB pass's output follows it. Ends with one line
// "N passed, N failed".
import { spawn } from 'node:child_process';
import knexFactory from 'knex';

const MYSQL_URL = process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/usage_console_test';
const extra = process.argv.slice(2);
// .mocharc.json names no spec, so `npx mocha test/x/*.test.ts` runs just those files; the full
// run names every test file here (or the files given: `npm test -- test/foundation/*.test.ts`).
const SPEC = extra.some((a) => !a.startsWith('-')) ? [] : ['test/**/*.test.ts'];

interface PassResult {
  passed: number;
  failed: number;
  code: number;
  /** the pass's whole output when it was held back (see runMocha) */
  held: string;
}

/** Runs one mocha pass; its output goes straight to stdout, or is held and returned with `hold`. */
function runMocha(label: string, env: Record<string, string>, args: string[], hold = false): Promise<PassResult> {
  const heading = `\n=== ${label} ===\n`;
  if (!hold) process.stdout.write(heading);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve('mocha/bin/mocha.js'), ...args, ...SPEC, ...extra], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', hold ? 'pipe' : 'inherit'],
    });
    let out = '';
    let held = hold ? heading : '';
    child.stdout!.on('data', (chunk: Buffer) => {
      if (hold) held += chunk.toString();
      else process.stdout.write(chunk);
      out += chunk.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
    });
    child.stderr?.on('data', (chunk: Buffer) => (held += chunk.toString()));
    child.on('close', (code) => {
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
      const passed = Number(/(\d+) passing/.exec(plain)?.[1] ?? 0);
      const failed = Number(/(\d+) failing/.exec(plain)?.[1] ?? 0);
      resolve({ passed, failed: failed || (code && !failed ? 1 : 0), code: code ?? 1, held });
    });
  });
}

async function mysqlReachable(): Promise<boolean> {
  const u = new URL(MYSQL_URL);
  const db = knexFactory({ client: 'mysql2', connection: { host: u.hostname, port: Number(u.port || 3306), user: u.username || 'root', password: u.password, connectTimeout: 3000 }, pool: { min: 0, max: 1 } });
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await db.destroy();
  }
}

async function main() {
  let passed = 0;
  let failed = 0;
  const serial = process.env.TEST_SERIAL === '1';
  const requireMysql = process.env.REQUIRE_MYSQL === '1';
  const skipMysql = process.env.SKIP_MYSQL === '1' && !requireMysql;
  const mysqlUp = !skipMysql && (await mysqlReachable());
  const mysqlPass = () => runMocha(`MySQL/MariaDB (${MYSQL_URL})`, { TEST_DATABASE_URL: MYSQL_URL, SKIP_BROWSER: '1' }, [], !serial);
  // side by side: the MariaDB pass starts with the SQLite one and its output is printed after it
  const mysqlRun = mysqlUp && !serial ? mysqlPass() : null;
  const sqlite = await runMocha('SQLite (embedded)', { TEST_DATABASE_URL: 'sqlite:' }, []);
  passed += sqlite.passed;
  failed += sqlite.failed;
  if (skipMysql) {
    console.log('\nMySQL/MariaDB pass skipped (SKIP_MYSQL=1).');
  } else if (mysqlUp) {
    const my = await (mysqlRun ?? mysqlPass());
    process.stdout.write(my.held);
    passed += my.passed;
    failed += my.failed;
  } else if (requireMysql) {
    console.error(`\nMySQL/MariaDB at ${MYSQL_URL} is unreachable and REQUIRE_MYSQL=1: failing.`);
    failed += 1;
  } else {
    console.log(`\nMySQL/MariaDB at ${MYSQL_URL} is unreachable: MySQL pass skipped (set REQUIRE_MYSQL=1 to fail instead).`);
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
