// npm run seed -- [--users N] [--months M] [--seed S] [--reset]: loads the deterministic demo data.
import { flags, openDb, run } from './cli';
import { seedDemo } from '../seeds/demo';

run(async () => {
  const f = flags();
  const num = (name: string, min: number, max: number): number | undefined => {
    if (f[name] === undefined) return undefined;
    const n = Number(f[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const { db } = await openDb();
  try {
    const started = Date.now();
    const summary = await seedDemo(db, { users: num('users', 5, 100000), months: num('months', 1, 24), seed: num('seed', 0, 2 ** 31), reset: f.reset === 'true', log: (l) => console.log(l) });
    console.log(`Demo data loaded in ${((Date.now() - started) / 1000).toFixed(1)} s:`, summary);
  } finally {
    await db.destroy();
  }
});
