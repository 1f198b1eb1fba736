// The change rule every report's badges follow (src/reports/change.ts).
import { expect } from 'chai';
import { changeKind, COMPARABLE_SHARE } from '../../src/reports/change';

describe('change badges: when a percentage is shown', () => {
  it('no change, new after nothing, no comparable data on a tiny base, else a percentage', () => {
    expect(changeKind(5, 5)).to.equal('none');
    expect(changeKind(0, 0)).to.equal('none');
    expect(changeKind(4067, 0)).to.equal('new');
    // +4,066.7% (41.7x) would be shown as a percentage without the rule
    expect(changeKind(4167, 100)).to.equal('incomparable');
    expect(COMPARABLE_SHARE).to.equal(0.1);
    expect(changeKind(1000, 100)).to.equal('pct'); // exactly a tenth: +900% is still comparable
    expect(changeKind(6600, 1000)).to.equal('pct');
    expect(changeKind(0, 100)).to.equal('pct'); // a drop to 0 is a real -100%
    expect(changeKind(50, 100)).to.equal('pct');
  });
});
