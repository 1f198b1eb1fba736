// Audit entries as sentences an admin reads ("Ada Admin approved Sophie Lopez's credit access
// request"). The action codes stay in the data (filters, the stored rows) and show small under the
// sentence; this module only words them. Unknown actions fall back to the code and target.

/** Display names known for the page's rows: by user id and by e-mail (lower case). */
export interface AuditNames {
  byId: Map<number, string>;
  byEmail: Map<string, string>;
}

export interface AuditRowInput {
  actor_user_id: number | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const fmt = (n: unknown) => Number(n).toLocaleString('en-US');
const possessive = (name: string) => (/s$/i.test(name) ? `${name}’` : `${name}’s`);

/** Who acted: the user's name, else "The system", "API key abcd…", or the stored label. */
export function actorName(r: Pick<AuditRowInput, 'actor_user_id' | 'actor_label'>, names: AuditNames): string {
  if (r.actor_user_id != null && names.byId.has(Number(r.actor_user_id))) return names.byId.get(Number(r.actor_user_id))!;
  const label = r.actor_label || '';
  if (label === 'system') return 'The system';
  if (label.startsWith('api-key:')) return `API key ${label.slice(8)}…`;
  return names.byEmail.get(label.toLowerCase()) ?? label;
}

/** Whom it was about: a user target's name, else the e-mail in the payload (as a name when known). */
function subjectName(r: AuditRowInput, names: AuditNames): string {
  if (r.target_type === 'user' && r.target_id != null && /^\d+$/.test(String(r.target_id))) {
    const n = names.byId.get(Number(r.target_id));
    if (n) return n;
  }
  const email = (r.after?.email ?? r.before?.email ?? r.after?.user ?? r.before?.user ?? (r.target_type === 'user' ? r.target_id : null)) as string | null;
  if (email) return names.byEmail.get(String(email).toLowerCase()) ?? String(email);
  return 'a user';
}

/** The e-mails and user ids a row mentions (to look their names up in one query). */
export function mentions(r: AuditRowInput): { ids: number[]; emails: string[] } {
  const ids: number[] = [];
  const emails: string[] = [];
  if (r.actor_user_id != null) ids.push(Number(r.actor_user_id));
  if (r.target_type === 'user' && r.target_id != null && /^\d+$/.test(String(r.target_id))) ids.push(Number(r.target_id));
  for (const v of [r.after?.email, r.before?.email, r.after?.user, r.before?.user, r.actor_label, r.target_type === 'user' ? r.target_id : null]) {
    if (typeof v === 'string' && v.includes('@')) emails.push(v.toLowerCase());
  }
  return { ids, emails };
}

/** One sentence for one audit entry. */
export function auditSentence(r: AuditRowInput, names: AuditNames): string {
  const who = actorName(r, names);
  const a = r.after ?? {};
  const b = r.before ?? {};
  const whom = () => subjectName(r, names);
  switch (r.action) {
    case 'user.allocation.update':
      return `${who} changed ${possessive(whom())} token allocation`;
    case 'user.allocation.bulk_update':
      return `${who} changed ${possessive(whom())} token allocation (bulk edit)`;
    case 'user.role.update':
      return a.role === 'admin' ? `${who} made ${whom()} an admin` : `${who} changed ${possessive(whom())} role to ${String(a.role ?? 'member')}`;
    case 'user.revoke':
      return `${who} revoked ${possessive(whom())} access`;
    case 'user.restore':
      return `${who} restored ${possessive(whom())} access`;
    case 'user.invite':
      return `${who} invited ${a.name ? String(a.name) : whom()}${a.role === 'admin' ? ' as an admin' : ''}`;
    case 'user.credit_access.update':
      return a.may_spend_credits ? `${who} allowed ${whom()} to spend credits` : `${who} stopped ${whom()} from spending credits`;
    case 'credits.access_request.create': {
      const s = whom();
      return s === who ? `${who} asked for credit access` : `${who} asked for credit access for ${s}`;
    }
    case 'credits.access_request.approve':
      return `${who} approved ${possessive(whom())} credit access request`;
    case 'credits.access_request.deny':
      return `${who} declined ${possessive(whom())} credit access request`;
    case 'credits.purchase':
      return `${who} added ${fmt(a.amount)} purchased credits`;
    case 'credits.grant':
      return `${who} granted ${fmt(a.amount)} credits`;
    case 'credits.adjustment':
      return `${who} removed ${fmt(a.removed)} credits`;
    case 'credits.settings.update':
      return `${who} changed the credit settings`;
    case 'credits.prices.update':
      return `${who} changed the credit prices`;
    case 'api_key.create':
      return `${who} created the API key “${String(a.name ?? '')}”`;
    case 'api_key.revoke':
      return `${who} revoked the API key “${String(b.name ?? a.name ?? '')}”`;
    case 'export.download':
      return `${who} downloaded ${String(a.file ?? a.export ?? 'an export')}`;
    case 'api.user.create':
    case 'api.user.update':
      return `${who} ${r.action.endsWith('create') ? 'added' : 'updated'} the user ${whom()} through the API`;
    case 'api.agent.create':
    case 'api.agent.update':
      return `${who} ${r.action.endsWith('create') ? 'added' : 'updated'} the agent ${String(a.name ?? r.target_id ?? '')} through the API`;
    case 'api.group.create':
    case 'api.group.update':
      return `${who} ${r.action.endsWith('create') ? 'added' : 'updated'} the group ${String(a.name ?? r.target_id ?? '')} through the API`;
    default: {
      const target = r.target_type ? ` (${r.target_type.replace(/_/g, ' ')}${r.target_id != null ? ` ${r.target_id}` : ''})` : '';
      return `${who}: ${r.action}${target}`;
    }
  }
}
