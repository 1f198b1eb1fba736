// The credit meter in the admin header: available credits and PAYG headroom (null = PAYG off,
// Infinity = no cap). Drawn only for workspaces billed in credits.
import type { HeaderBadge } from '../http/header-badges';
import { isCreditWorkspace, readPool } from './pool';
import { creditState } from './state';

export const creditMeterBadge: HeaderBadge = {
  defaults: { creditMeter: null },
  async load(db, _user, ws) {
    if (!ws || !isCreditWorkspace(ws)) return {};
    const pool = await readPool(db, ws);
    // The state colours the meter at each alert level and says "paused" when nothing is left to spend.
    return { creditMeter: { available: pool.available, paygHeadroom: pool.paygHeadroom, state: creditState(pool) } };
  },
};
