// The Usage page's cards: total generations, IQ adoption, hours saved, licenses, active users and
// their rate, each with its delta against the previous period.
import { changeKind } from '../reports/change';
import type { Knex } from 'knex';
import { addDays } from '../db/time';
import { SURFACES, type Surface } from '../domain/model';
import { ACTIVE_USER_DAYS, HOURS_SAVED_MINUTES } from './definitions';
import type { UsageRange } from './range';
import * as q from './queries';
import { memo, rosterStamp } from '../reports/memo';
import { usageVersion } from './aggregates';
import { dayLabel, fmt, pct } from './format';

export interface Delta {
  text: string;
  cls: 'delta-up' | 'delta-down' | 'muted';
}

export interface Card {
  id: string;
  label: string;
  value: string;
  raw: number;
  delta: Delta;
  note: string;
}

function relativeDelta(cur: number, prev: number, period: string): Delta {
  if (prev === 0 && cur === 0) return { text: `No change vs ${period}`, cls: 'muted' };
  const kind = changeKind(cur, prev);
  if (kind === 'new') return { text: `New: none in the ${period}`, cls: 'muted' };
  if (kind === 'incomparable') return { text: `No comparable data in the ${period}`, cls: 'muted' };
  const change = ((cur - prev) / prev) * 100;
  if (Math.abs(change) < 0.05) return { text: `No change vs ${period}`, cls: 'muted' };
  return { text: `${change > 0 ? '▲ +' : '▼ '}${fmt(change, 1)}% vs ${period}`, cls: change > 0 ? 'delta-up' : 'delta-down' };
}

function pointDelta(cur: number, prev: number, period: string, prevHasData: boolean): Delta {
  if (!prevHasData) return { text: `No data for ${period}`, cls: 'muted' };
  const d = cur - prev;
  if (Math.abs(d) < 0.05) return { text: `No change vs ${period}`, cls: 'muted' };
  return { text: `${d > 0 ? '▲ +' : '▼ '}${fmt(d, 1)} pts vs ${period}`, cls: d > 0 ? 'delta-up' : 'delta-down' };
}

export function hoursSaved(bySurface: Record<Surface, number>): number {
  let minutes = 0;
  for (const s of SURFACES) minutes += bySurface[s] * HOURS_SAVED_MINUTES[s];
  return minutes / 60;
}

export interface CardsModel {
  cards: Card[];
  activeFrom: string;
  activeTo: string;
  previousLabel: string;
}

export async function buildCards(db: Knex, ws: number, r: UsageRange): Promise<CardsModel> {
  const yesterday = addDays(r.today, -1);
  const activeFrom = addDays(yesterday, -(ACTIVE_USER_DAYS - 1));
  const prevActiveTo = addDays(activeFrom, -1);
  const prevActiveFrom = addDays(prevActiveTo, -(ACTIVE_USER_DAYS - 1));
  // Usage aggregates follow the workspace's interactions; license counts follow the roster.
  const [version, roster] = await Promise.all([usageVersion(db, ws), rosterStamp(db, ws)]);
  // Independent reads in parallel: one round trip of latency. The active-user counts do not
  // depend on the range, so every range shares them.
  const [[cur, prev], [active, prevActive], [licenses, prevLicenses, prevLicensesAtActive]] = await Promise.all([
    memo(db, `cards:${ws}:${r.from}:${r.to}`, version, () => Promise.all([q.generationTotals(db, ws, r.from, r.to), q.generationTotals(db, ws, r.prevFrom, r.prevTo)])),
    memo(db, `active-users:${ws}:${yesterday}`, version, () =>
      Promise.all([q.distinctGenerators(db, ws, activeFrom, yesterday), q.distinctGenerators(db, ws, prevActiveFrom, prevActiveTo)]),
    ),
    memo(db, `licenses:${ws}:${r.prevTo}:${prevActiveTo}`, roster, () =>
      Promise.all([
        q.activeLicenses(db, ws),
        q.licensesAt(db, ws, r.prevTo, r.timeZone),
        // the previous 30-day window is compared with the licenses held when it ended
        q.licensesAt(db, ws, prevActiveTo, r.timeZone),
      ]),
    ),
  ]);
  const period = `previous ${r.days} day${r.days === 1 ? '' : 's'}`;
  const iq = pct(cur.iqGenerations, cur.generations);
  const prevIq = pct(prev.iqGenerations, prev.generations);
  const hours = hoursSaved(cur.bySurface);
  const prevHours = hoursSaved(prev.bySurface);
  const rate = pct(active, licenses);
  const prevRate = pct(prevActive, prevLicensesAtActive);
  const cards: Card[] = [
    { id: 'generations', label: 'Total generations', value: fmt(cur.generations), raw: cur.generations, delta: relativeDelta(cur.generations, prev.generations, period), note: 'Text and image outputs in the range' },
    { id: 'iq-adoption', label: 'IQ adoption', value: `${fmt(iq, 1)}%`, raw: iq, delta: pointDelta(iq, prevIq, period, prev.generations > 0), note: `${fmt(cur.iqGenerations)} of ${fmt(cur.generations)} generations used an IQ layer` },
    { id: 'hours-saved', label: 'Hours saved', value: fmt(hours, 1), raw: hours, delta: relativeDelta(hours, prevHours, period), note: 'Directional estimate' },
    { id: 'active-licenses', label: 'Active licenses', value: fmt(licenses), raw: licenses, delta: relativeDelta(licenses, prevLicenses, `${dayLabel(r.prevTo)}`), note: 'Users with access now' },
    { id: 'active-users', label: 'Active users', value: fmt(active), raw: active, delta: relativeDelta(active, prevActive, 'the 30 days before'), note: `Last 30 days (${dayLabel(activeFrom)} – ${dayLabel(yesterday)}), whatever the range` },
    { id: 'active-user-rate', label: 'Active user rate', value: `${fmt(rate, 1)}%`, raw: rate, delta: pointDelta(rate, prevRate, 'the 30 days before', prevLicensesAtActive > 0), note: 'Active users ÷ active licenses (last 30 days)' },
  ];
  return { cards, activeFrom, activeTo: yesterday, previousLabel: `${r.prevFrom} to ${r.prevTo}` };
}
