// View model of the Audit log page: each row's time, actor, target, client IP and what changed.
import { fromDbTime, localDateTime } from '../db/time';

interface Change {
  key: string;
  from?: string;
  to?: string;
}

/** IPv4 clients seen through an IPv6 socket are stored as ::ffff:a.b.c.d; show the IPv4 address. */
export function displayIp(ip: string | null): string | null {
  if (!ip) return null;
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return v.toLocaleString('en-US');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Before/after as a list of changed keys (values that stayed equal are context only, e.g. the email). */
export function describeChange(beforeJson: string | null, afterJson: string | null): { subject: string | null; changes: Change[] } {
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
    changes.push({ key: k, from: b && k in b ? show(bv) : undefined, to: a && k in a ? show(av) : undefined });
  }
  return { subject, changes };
}

/** A stored audit row as the page shows it. */
export function auditRowView(r: Record<string, unknown>, zone: string) {
  const at = fromDbTime(String(r.created_at))!;
  return {
    id: Number(r.id),
    local: localDateTime(at, zone),
    utc: `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    iso: at.toISOString(),
    actor: String(r.actor_label),
    action: String(r.action),
    target: r.target_type ? `${r.target_type}${r.target_id != null ? ` #${r.target_id}` : ''}` : '—',
    ip: displayIp(r.ip as string | null),
    ...describeChange(r.before_json as string | null, r.after_json as string | null),
  };
}
