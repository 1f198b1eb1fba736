// The usage API merges rows of several dimensions by one string per key (sortableKey) and sorts and
// pages them with compareDims: both must order keys element by element (null first, then values
// by code unit). The examples pin that order by hand; the property makes the two agree on any keys.
import { expect } from 'chai';
import fc from 'fast-check';
import { compareDims, sortableKey } from '../../src/api/usage-queries';

const sign = (s: string, t: string) => (s < t ? -1 : s > t ? 1 : 0);

describe('usage API: sortable keys', () => {
  it('sortableKey and compareDims order any keys alike (values without control characters)', () => {
    // short alphabets make equal prefixes, empty strings and nulls frequent
    const value = fc.option(fc.stringMatching(/^[a-c@.é\- ]{0,4}$/), { nil: null });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n }))), ([a, b]) => {
        // two implementations of one order: one string per key, and the element-by-element compare
        expect(sign(sortableKey(a), sortableKey(b))).to.equal(compareDims(a, b));
        expect(compareDims(b, a)).to.equal(-compareDims(a, b));
      }),
      { numRuns: 5000 },
    );
  });

  it('examples: a bucket then a user; null sorts first; a prefix sorts before its extension', () => {
    const keys: (string | null)[][] = [
      ['2026-02-01', 'b@x.test'],
      ['2026-01-01', 'b@x.test'],
      ['2026-01-01', null],
      ['2026-01-01', 'a@x.test'],
      ['2026-01-01', 'a@x.tes'],
      ['2026-01-01', ''],
    ];
    const sorted = [...keys].sort((a, b) => sign(sortableKey(a), sortableKey(b)));
    expect([...keys].sort(compareDims)).to.deep.equal(sorted);
    expect(sorted).to.deep.equal([
      ['2026-01-01', null],
      ['2026-01-01', ''],
      ['2026-01-01', 'a@x.tes'],
      ['2026-01-01', 'a@x.test'],
      ['2026-01-01', 'b@x.test'],
      ['2026-02-01', 'b@x.test'],
    ]);
  });
});
