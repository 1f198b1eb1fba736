// The credit meter in the admin header: available credits and PAYG headroom (null = PAYG off,
// Infinity = no cap). Drawn only for workspaces billed in credits.
import type { HeaderBadge } from '../http/header-badges';
import { isCreditWorkspace, readPool } from './pool';

export const creditMeterBadge: HeaderBadge = {
  defaults: { creditMeter: null },
  async load(db, _user, ws) {
    if (!ws || !isCreditWorkspace(ws)) return {};
    const pool = await readPool(db, ws);
    return { creditMeter: { available: pool.available, paygHeadroom: pool.paygHeadroom } };
  },
};
