// The usage API merges rows of several dimensions by one string per key (sortableKey) and sorts and
// pages them with compareDims: both must order keys exactly as comparing them element by element
// does (null first, then values by code unit), and so agree with each other.
import { expect } from 'chai';
import fc from 'fast-check';
import { compareDims, sortableKey } from '../../src/api/usage-queries';

function reference(a: (string | null)[], b: (string | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

const sign = (s: string, t: string) => (s < t ? -1 : s > t ? 1 : 0);

describe('usage API: sortable keys', () => {
  it('order keys as an element-by-element comparison does, for any values without control characters', () => {
    // short alphabets make equal prefixes, empty strings and nulls frequent
    const value = fc.option(fc.stringMatching(/^[a-c@.é\- ]{0,4}$/), { nil: null });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n }))), ([a, b]) => {
        expect(sign(sortableKey(a), sortableKey(b))).to.equal(reference(a, b));
        expect(compareDims(a, b)).to.equal(reference(a, b));
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
