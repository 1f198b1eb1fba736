// The time module: UTC instant -> reporting day, ISO week (Monday start) and month, in any zone.
import { expect } from 'chai';
import fc from 'fast-check';
import { formatNumber } from '../../src/http/format';
import {
  addDays,
  addMonths,
  dayOf,
  daysBetween,
  daysInRange,
  fromDbTime,
  isoWeekOfDay,
  isValidDay,
  isValidTimeZone,
  lastDayOfMonth,
  localDateTime,
  monthOf,
  monthsBetween,
  startOfDayUtc,
  toDbTime,
  weekStartOfDay,
  zoneOffsetMinutes,
  zoneAbbreviation,
} from '../../src/db/time';

const CHI = 'America/Chicago';
const at = (iso: string) => new Date(iso);

describe('foundation: time module', () => {
  describe('reporting day in America/Chicago', () => {
    it('midnight on either side of an ordinary day (CST, UTC-6)', () => {
      expect(dayOf(at('2026-01-15T05:59:59.999Z'), CHI)).to.equal('2026-01-14');
      expect(dayOf(at('2026-01-15T06:00:00.000Z'), CHI)).to.equal('2026-01-15');
      // the default zone is Chicago
      expect(dayOf(at('2026-01-15T06:00:00.000Z'))).to.equal('2026-01-15');
    });

    it('midnight on either side in summer (CDT, UTC-5)', () => {
      expect(dayOf(at('2026-07-04T04:59:59.999Z'), CHI)).to.equal('2026-07-03');
      expect(dayOf(at('2026-07-04T05:00:00.000Z'), CHI)).to.equal('2026-07-04');
    });

    it('spring forward 2026-03-08: a 23-hour day', () => {
      // Local midnight of Mar 8 is still CST (06:00Z); 02:00 CST jumps to 03:00 CDT at 08:00Z.
      expect(dayOf(at('2026-03-08T05:59:59.999Z'), CHI)).to.equal('2026-03-07');
      expect(dayOf(at('2026-03-08T06:00:00.000Z'), CHI)).to.equal('2026-03-08');
      expect(dayOf(at('2026-03-08T07:59:59.999Z'), CHI)).to.equal('2026-03-08'); // 01:59:59 CST
      expect(dayOf(at('2026-03-08T08:00:00.000Z'), CHI)).to.equal('2026-03-08'); // 03:00 CDT
      expect(localDateTime(at('2026-03-08T08:00:00.000Z'), CHI)).to.equal('2026-03-08 03:00:00');
      // Mar 9 begins at 05:00Z (CDT)
      expect(dayOf(at('2026-03-09T04:59:59.999Z'), CHI)).to.equal('2026-03-08');
      expect(dayOf(at('2026-03-09T05:00:00.000Z'), CHI)).to.equal('2026-03-09');
      const len = startOfDayUtc('2026-03-09', CHI).getTime() - startOfDayUtc('2026-03-08', CHI).getTime();
      expect(len).to.equal(23 * 3600_000);
      expect(startOfDayUtc('2026-03-08', CHI).toISOString()).to.equal('2026-03-08T06:00:00.000Z');
      expect(startOfDayUtc('2026-03-09', CHI).toISOString()).to.equal('2026-03-09T05:00:00.000Z');
    });

    it('fall back 2026-11-01: a 25-hour day', () => {
      expect(dayOf(at('2026-11-01T04:59:59.999Z'), CHI)).to.equal('2026-10-31');
      expect(dayOf(at('2026-11-01T05:00:00.000Z'), CHI)).to.equal('2026-11-01');
      // 01:30 happens twice: 06:30Z (CDT) and 07:30Z (CST); both are Nov 1.
      expect(localDateTime(at('2026-11-01T06:30:00Z'), CHI)).to.equal('2026-11-01 01:30:00');
      expect(localDateTime(at('2026-11-01T07:30:00Z'), CHI)).to.equal('2026-11-01 01:30:00');
      expect(dayOf(at('2026-11-02T05:59:59.999Z'), CHI)).to.equal('2026-11-01'); // 23:59:59 CST
      expect(dayOf(at('2026-11-02T06:00:00.000Z'), CHI)).to.equal('2026-11-02');
      const len = startOfDayUtc('2026-11-02', CHI).getTime() - startOfDayUtc('2026-11-01', CHI).getTime();
      expect(len).to.equal(25 * 3600_000);
      expect(zoneOffsetMinutes(at('2026-11-01T06:30:00Z'), CHI)).to.equal(-300);
      expect(zoneOffsetMinutes(at('2026-11-01T07:30:00Z'), CHI)).to.equal(-360);
    });

    it('year end: New Year in Chicago is 06:00Z', () => {
      expect(dayOf(at('2027-01-01T05:59:59.999Z'), CHI)).to.equal('2026-12-31');
      expect(monthOf(at('2027-01-01T05:59:59.999Z'), CHI)).to.equal('2026-12');
      expect(dayOf(at('2027-01-01T06:00:00.000Z'), CHI)).to.equal('2027-01-01');
      expect(monthOf(at('2027-01-01T06:00:00.000Z'), CHI)).to.equal('2027-01');
      // UTC has already moved on; the reporting month has not
      expect(monthOf(at('2026-01-01T03:00:00Z'), CHI)).to.equal('2025-12');
    });
  });

  describe('other zones', () => {
    it('Europe/London across its own DST change and midnight', () => {
      expect(dayOf(at('2026-03-28T23:59:59Z'), 'Europe/London')).to.equal('2026-03-28');
      expect(dayOf(at('2026-03-29T00:00:00Z'), 'Europe/London')).to.equal('2026-03-29');
      expect(dayOf(at('2026-06-30T23:00:00Z'), 'Europe/London')).to.equal('2026-07-01'); // BST
      expect(startOfDayUtc('2026-03-30', 'Europe/London').toISOString()).to.equal('2026-03-29T23:00:00.000Z');
    });

    it('zones east of UTC, half-hour offsets, the date line and UTC itself', () => {
      expect(dayOf(at('2026-12-31T15:00:00Z'), 'Asia/Tokyo')).to.equal('2027-01-01');
      expect(dayOf(at('2026-12-31T14:59:59Z'), 'Asia/Tokyo')).to.equal('2026-12-31');
      expect(dayOf(at('2026-05-10T18:29:59Z'), 'Asia/Kolkata')).to.equal('2026-05-10');
      expect(dayOf(at('2026-05-10T18:30:00Z'), 'Asia/Kolkata')).to.equal('2026-05-11');
      expect(dayOf(at('2026-05-10T10:00:00Z'), 'Pacific/Kiritimati')).to.equal('2026-05-11'); // UTC+14
      expect(dayOf(at('2026-05-10T10:59:59Z'), 'Pacific/Pago_Pago')).to.equal('2026-05-09'); // UTC-11
      expect(dayOf(at('2026-05-10T23:59:59.999Z'), 'UTC')).to.equal('2026-05-10');
      // Southern hemisphere DST: Sydney leaves DST on 2026-04-05
      expect(startOfDayUtc('2026-04-06', 'Australia/Sydney').getTime() - startOfDayUtc('2026-04-05', 'Australia/Sydney').getTime()).to.equal(25 * 3600_000);
    });

    it('validates zone names', () => {
      expect(isValidTimeZone('America/Chicago')).to.equal(true);
      expect(isValidTimeZone('Mars/Olympus_Mons')).to.equal(false);
    });
  });

  describe('weeks (ISO, Monday start) and months', () => {
    it('the week of a day starts on its Monday', () => {
      expect(weekStartOfDay('2026-11-25')).to.equal('2026-11-23'); // Wednesday
      expect(weekStartOfDay('2026-11-23')).to.equal('2026-11-23'); // Monday itself
      expect(weekStartOfDay('2026-11-29')).to.equal('2026-11-23'); // Sunday belongs to the week before
      expect(weekStartOfDay('2026-11-30')).to.equal('2026-11-30');
      expect(weekStartOfDay('2027-01-01')).to.equal('2026-12-28'); // across the year end
      expect(weekStartOfDay('2026-03-08')).to.equal('2026-03-02'); // DST Sunday
    });

    it('ISO week numbers at week-year boundaries', () => {
      expect(isoWeekOfDay('2026-01-01')).to.equal('2026-W01'); // Thursday: week 1 of 2026
      expect(isoWeekOfDay('2025-12-29')).to.equal('2026-W01'); // Monday of that week, still 2025 on the calendar
      expect(isoWeekOfDay('2025-12-28')).to.equal('2025-W52');
      expect(isoWeekOfDay('2026-12-31')).to.equal('2026-W53'); // 2026 has 53 ISO weeks
      expect(isoWeekOfDay('2027-01-03')).to.equal('2026-W53'); // Sunday Jan 3 2027
      expect(isoWeekOfDay('2027-01-04')).to.equal('2027-W01');
      expect(isoWeekOfDay('2021-01-03')).to.equal('2020-W53');
      expect(isoWeekOfDay('2024-12-30')).to.equal('2025-W01');
      expect(isoWeekOfDay('2026-06-15')).to.equal('2026-W25');
    });

    it('day and month arithmetic', () => {
      expect(addDays('2026-02-28', 1)).to.equal('2026-03-01');
      expect(addDays('2028-02-28', 1)).to.equal('2028-02-29'); // leap year
      expect(addDays('2026-12-31', 1)).to.equal('2027-01-01');
      expect(addDays('2026-03-08', 1)).to.equal('2026-03-09'); // calendar days ignore DST
      expect(daysBetween('2026-03-01', '2026-04-01')).to.equal(31);
      expect(addMonths('2026-11', 2)).to.equal('2027-01');
      expect(addMonths('2026-01', -1)).to.equal('2025-12');
      expect(lastDayOfMonth('2026-02')).to.equal('2026-02-28');
      expect(lastDayOfMonth('2028-02')).to.equal('2028-02-29');
      expect(monthsBetween('2025-11', '2026-02')).to.deep.equal(['2025-11', '2025-12', '2026-01', '2026-02']);
      expect(daysInRange('2026-12-30', '2027-01-02')).to.deep.equal(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
      expect(isValidDay('2026-02-29')).to.equal(false);
      expect(isValidDay('2026-13-01')).to.equal(false);
      expect(isValidDay('2028-02-29')).to.equal(true);
    });
  });

  describe('database timestamps', () => {
    it('round-trips UTC with millisecond precision', () => {
      const d = at('2026-11-01T06:30:00.123Z');
      expect(toDbTime(d)).to.equal('2026-11-01 06:30:00.123');
      expect(fromDbTime('2026-11-01 06:30:00.123')!.toISOString()).to.equal('2026-11-01T06:30:00.123Z');
      expect(fromDbTime('2026-11-01T06:30:00.123+01:00')!.toISOString()).to.equal('2026-11-01T05:30:00.123Z');
      expect(fromDbTime(null)).to.equal(null);
    });
  });
});

describe('time: zone offsets (kept per steady UTC day)', () => {
  const ZONES = ['America/Chicago', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'UTC'];
  // an independent reading: Intl's own "GMT-05:00" name of the offset
  const reference = (at: Date, zone: string) => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')!.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  };

  it('equal Intl at any instant, asked in any order, around every transition too', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.integer({ min: -7200, max: 7200 }), (zone, t, jitter) => {
        const at = new Date(t);
        expect(zoneOffsetMinutes(at, zone)).to.equal(reference(at, zone));
        // seconds around the same instant (a transition inside a cached day would show here)
        const near = new Date(t + jitter * 1000);
        expect(zoneOffsetMinutes(near, zone)).to.equal(reference(near, zone));
      }),
      { numRuns: 3000 },
    );
    // every minute of Chicago's 2026 change days, after the days around them were asked
    for (const day of ['2026-03-08', '2026-11-01']) {
      const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
      for (let m = 0; m < 3 * 1440; m += 7) {
        const at = new Date(start + m * 60_000);
        expect(zoneOffsetMinutes(at, 'America/Chicago'), at.toISOString()).to.equal(reference(at, 'America/Chicago'));
      }
    }
  });
});

describe('time: zone abbreviations and number formatting (fast paths)', () => {
  it('zone abbreviations equal Intl at random instants in several zones', () => {
    const zones = ['America/Chicago', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'UTC'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2035, 0, 1) }), (zone, t) => {
        const at = new Date(t);
        const expected = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')!.value;
        expect(zoneAbbreviation(at, zone)).to.equal(expected);
      }),
      { numRuns: 2000 },
    );
    expect(zoneAbbreviation(new Date('2026-11-01T06:30:00Z'), 'America/Chicago')).to.equal('CDT'); // 01:30 the first time
    expect(zoneAbbreviation(new Date('2026-11-01T07:30:00Z'), 'America/Chicago')).to.equal('CST'); // 01:30 again
  });

  it('formatNumber equals en-US Intl grouping for any number (but -0 reads 0)', () => {
    const intl = new Intl.NumberFormat('en-US');
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: -100_000, max: 100_000 }), fc.double({ noNaN: true, noDefaultInfinity: true })), (n) => {
        expect(formatNumber(n)).to.equal(Object.is(n, -0) ? '0' : intl.format(n));
      }),
      { numRuns: 5000 },
    );
    for (const n of [0, 7, 999, 1000, -1000, 1234567, 9_007_199_254_740_991]) expect(formatNumber(n)).to.equal(intl.format(n));
    expect(formatNumber(-0)).to.equal('0');
  });
});
