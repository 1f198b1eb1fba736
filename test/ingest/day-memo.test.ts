// The write path's per-quarter-hour memo of the reporting day agrees with the direct computation,
// around DST changes and in zones with 30- and 45-minute offsets.
import { expect } from 'chai';
import { dayMemo } from '../../src/db/time';
import { dayOf } from '../../src/db/time';

describe('write path: reporting day memo', () => {
  const zones = ['America/Chicago', 'Europe/London', 'Asia/Kathmandu', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
  // Days around the 2026 DST changes of these zones (northern spring/autumn, southern April/October).
  const windows = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-09-27', '2026-10-04', '2026-10-25', '2026-11-01'];

  it('gives the same day as dayOf for every minute (and odd seconds) of two days around each DST change', () => {
    let checked = 0;
    for (const zone of zones) {
      const memo = dayMemo(zone);
      for (const w of windows) {
        const start = Date.parse(`${w}T00:00:00Z`) - 86_400_000;
        for (let t = start; t < start + 2 * 86_400_000; t += 60_000) {
          for (const at of [new Date(t), new Date(t + 59_999)]) {
            expect(memo(at), `${zone} ${at.toISOString()}`).to.equal(dayOf(at, zone));
            checked++;
          }
        }
      }
    }
    expect(checked).to.equal(zones.length * windows.length * 2 * 1440 * 2);
  });
});
