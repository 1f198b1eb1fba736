// Job leases: one holder at a time across processes; an expired lease is taken over; a released
// one is free at once; runExclusive runs the job only where the lease was won.
import { expect } from 'chai';
import type { Knex } from 'knex';
import { acquireLease, releaseLease, runExclusive } from '../../src/jobs/lease';
import { closeAll, freshDb } from '../helpers/db';

describe('job leases', function () {
  let db: Knex;
  before(async () => {
    db = await freshDb();
  });
  after(closeAll);

  it('one owner at a time; renewal by the holder; takeover only after expiry; release frees it', async () => {
    const t0 = new Date('2026-12-07T10:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect(await acquireLease(db, 'digest', 60_000, 'host-a:1', t0)).to.equal(true);
    expect(await acquireLease(db, 'digest', 60_000, 'host-b:2', at(1_000))).to.equal(false);
    expect(await acquireLease(db, 'digest', 60_000, 'host-a:1', at(30_000))).to.equal(true); // renewed to t0+90s
    expect(await acquireLease(db, 'digest', 60_000, 'host-b:2', at(89_000))).to.equal(false);
    expect(await acquireLease(db, 'digest', 60_000, 'host-b:2', at(91_000))).to.equal(true); // a's lease expired
    expect(await acquireLease(db, 'digest', 60_000, 'host-a:1', at(92_000))).to.equal(false);
    await releaseLease(db, 'digest', 'host-a:1', at(93_000)); // not the holder: no effect
    expect(await acquireLease(db, 'digest', 60_000, 'host-a:1', at(94_000))).to.equal(false);
    await releaseLease(db, 'digest', 'host-b:2', at(95_000));
    expect(await acquireLease(db, 'digest', 60_000, 'host-a:1', at(95_001))).to.equal(true);
    // Leases are per name.
    expect(await acquireLease(db, 'purge', 60_000, 'host-b:2', at(95_002))).to.equal(true);
  });

  it('concurrent runExclusive calls from many owners run the job exactly once', async () => {
    let runs = 0;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runExclusive(db, 'race', 60_000, async () => {
          runs++;
          await new Promise((r) => setTimeout(r, 50));
          return i;
        }, `owner-${i}`),
      ),
    );
    expect(runs).to.equal(1);
    expect(results.filter((r) => r.ran)).to.have.length(1);
    // Released after the run: the next caller runs.
    expect((await runExclusive(db, 'race', 60_000, async () => 'again', 'owner-x')).ran).to.equal(true);
  });
});
