// View model of Activity Logs: one interaction as a table row (its UTC time, a type label,
// the prompt cut for the preview).
import { fromDbTime } from '../db/time';
import { SURFACE_LABELS, type Surface } from '../domain/model';
import type { LogRow } from './queries';

/** Characters of the prompt shown in the table before "show full". */
export const PROMPT_PREVIEW = 120;

function truncate(s: string, n: number): { short: string; cut: boolean } {
  const chars = Array.from(s);
  return chars.length <= n ? { short: s, cut: false } : { short: chars.slice(0, n).join('').trimEnd() + '…', cut: true };
}

export function logRowView(r: LogRow) {
  const at = fromDbTime(r.occurred_at)!;
  const prompt = r.prompt_excerpt ?? '';
  return {
    ...r,
    // the page shows occurred_at in the one timestamp format (timeTag of src/http/format.ts); this
    // UTC twin matches the CSV's occurred_at_utc column to the second
    utc: `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    type: `${SURFACE_LABELS[r.surface as Surface] ?? r.surface} · ${r.token_kind}${r.output === 'image' ? ' · image' : ''}`,
    prompt: { full: prompt, ...truncate(prompt, PROMPT_PREVIEW) },
    promptRemoved: !!Number(r.prompt_removed ?? 0),
    training: !!Number(r.training),
  };
}
