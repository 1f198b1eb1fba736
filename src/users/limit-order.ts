// The User Management list by limit status and limit use: the list's kept order filtered by the
// states src/limits resolves for every user, and sorted by use.
import { FILTER_STATE, type UserLimitInfo } from './limit-info';
import type { UserListQuery } from './queries';

export type States = ReadonlyMap<number, Pick<UserLimitInfo, 'state' | 'use'>>;

/** byLimit's results, for the order and the states they were made from (both are shared, never changed). */
const limitOrders = new WeakMap<Uint32Array, WeakMap<States, Map<string, Uint32Array>>>();

/**
 * The list filtered by limit status and/or sorted by limit use. Limit status is no column: it
 * follows from the layers, the allocations and the period's usage, so src/limits resolves it for
 * every user of the workspace at once (one set-wise read of the rollups per period, kept until
 * something it depends on changes; see docs/limits.md "Cost in User Management"). `ids` is the
 * list's order (the column sort, or id order for `limit_use`); the sort by use is stable, so ties
 * keep the id order. Users without a limit have no use and rank below every user with one (first
 * ascending, last descending). The result is kept with the order and the states it came from.
 */
export function byLimit(ids: Uint32Array, states: States, f: UserListQuery): Uint32Array {
  const key = `${f.limit_status ?? ''}:${f.sort === 'limit_use' ? f.dir : ''}`;
  let forIds = limitOrders.get(ids);
  if (!forIds) limitOrders.set(ids, (forIds = new WeakMap()));
  let done = forIds.get(states);
  if (!done) forIds.set(states, (done = new Map()));
  const hit = done.get(key);
  if (hit) return hit;
  let out: number[] = Array.from(ids);
  if (f.limit_status) {
    const want = FILTER_STATE[f.limit_status];
    out = out.filter((id) => {
      const s = states.get(id);
      return !!s && (want === null || s.state === want);
    });
  }
  if (f.sort === 'limit_use') {
    const sign = f.dir === 'asc' ? 1 : -1;
    const use = (id: number) => states.get(id)?.use ?? -1;
    out = out
      .map((id) => ({ id, use: use(id) }))
      .sort((a, b) => (a.use === b.use ? 0 : a.use < b.use ? -sign : sign))
      .map((x) => x.id);
  }
  const result = Uint32Array.from(out);
  done.set(key, result);
  return result;
}
