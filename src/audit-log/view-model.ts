// View model of the Audit log page: each row's time, actor, target, client IP and what changed.
import { fromDbTime } from '../db/time';
import { timestampInSentence } from '../http/format';
import { auditSentence, mentions, type AuditNames, type AuditRowInput } from './sentences';

interface Change {
  key: string;
  /** the key in words ("Max inference tokens") */
  label: string;
  from?: string;
  to?: string;
}

/** IPv4 clients seen through an IPv6 socket are stored as ::ffff:a.b.c.d; show the IPv4 address. */
export function displayIp(ip: string | null): string | null {
  if (!ip) return null;
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip;
}

/** A stored instant ('2026-12-27T03:17:00.000Z'): shown in the one timestamp format. */
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z$/;

function show(v: unknown, zone: string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string' && INSTANT.test(v)) return timestampInSentence(v, zone);
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') return v.toLocaleString('en-US');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A stored key in words: "max_inference_tokens" -> "Max inference tokens". */
export function keyLabel(key: string): string {
  const words = key.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Before/after as a list of changed keys (values that stayed equal are context only, e.g. the email). */
export function describeChange(beforeJson: string | null, afterJson: string | null, zone = 'UTC'): { subject: string | null; changes: Change[] } {
  const parseObj = (s: string | null): Record<string, unknown> | null => {
    if (!s) return null;
    try {
      const v = JSON.parse(s);
      return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
    } catch {
      return { value: s };
    }
  };
  const b = parseObj(beforeJson);
  const a = parseObj(afterJson);
  const subject = (a?.email ?? b?.email ?? null) as string | null;
  const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].filter((k) => k !== 'email');
  const changes: Change[] = [];
  for (const k of keys) {
    const bv = b ? b[k] : undefined;
    const av = a ? a[k] : undefined;
    if (b && a && JSON.stringify(bv) === JSON.stringify(av)) continue;
    changes.push({ key: k, label: keyLabel(k), from: b && k in b ? show(bv, zone) : undefined, to: a && k in a ? show(av, zone) : undefined });
  }
  return { subject, changes };
}

function parseJson(s: unknown): Record<string, unknown> | null {
  if (typeof s !== 'string' || !s) return null;
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** A stored row in the shape the sentences read. */
export function sentenceInput(r: Record<string, unknown>): AuditRowInput {
  return {
    actor_user_id: r.actor_user_id == null ? null : Number(r.actor_user_id),
    actor_label: String(r.actor_label ?? ''),
    action: String(r.action),
    target_type: (r.target_type as string | null) ?? null,
    target_id: (r.target_id as string | number | null) ?? null,
    before: parseJson(r.before_json),
    after: parseJson(r.after_json),
  };
}

/** The user ids and e-mails a page of stored rows mentions. */
export function pageMentions(rows: Record<string, unknown>[]): { ids: number[]; emails: string[] } {
  const ids: number[] = [];
  const emails: string[] = [];
  for (const r of rows) {
    const m = mentions(sentenceInput(r));
    ids.push(...m.ids);
    emails.push(...m.emails);
  }
  return { ids, emails };
}

/** A stored audit row as the page shows it: a sentence, with the code and target kept beside it. */
export function auditRowView(r: Record<string, unknown>, zone: string, names: AuditNames = { byId: new Map(), byEmail: new Map() }) {
  const at = fromDbTime(String(r.created_at))!;
  return {
    sentence: auditSentence(sentenceInput(r), names),
    id: Number(r.id),
    // shown in the one timestamp format (timeTag of src/http/format.ts), with its UTC twin to the second
    at,
    utc: `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    actor: String(r.actor_label),
    action: String(r.action),
    target: r.target_type ? `${r.target_type}${r.target_id != null ? ` #${r.target_id}` : ''}` : '—',
    ip: displayIp(r.ip as string | null),
    ...describeChange(r.before_json as string | null, r.after_json as string | null, zone),
  };
}
