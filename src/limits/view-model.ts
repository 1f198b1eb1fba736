// What the Limits page and /me show: layers as table rows with labels, amounts formatted.
import { formatNumber } from '../http/format';
import { LAYER_LABELS, type Layer, utcToLocalInput } from './forms';
import { METRIC_LABELS, type EffectiveLimit } from './model';
import type { PolicyRecord } from './queries';

export function layerOf(p: PolicyRecord): Layer {
  if (p.scope === 'workspace') return 'workspace';
  if (p.scope === 'user') return 'user';
  return p.appliesTo === 'shared' ? 'group_shared' : 'group_member';
}

export interface PolicyRowView {
  id: number;
  layer: Layer;
  layerLabel: string;
  target: string;
  metric: string;
  period: string;
  amount: string;
  mode: string;
  /** shown in the one timestamp format (timeTag of src/http/format.ts) */
  expires: Date | null;
  expired: boolean;
  note: string;
}

export function policyRows(policies: PolicyRecord[], now: Date): PolicyRowView[] {
  return policies.map((p) => ({
    id: p.id,
    layer: layerOf(p),
    layerLabel: LAYER_LABELS[layerOf(p)],
    target: p.scope === 'workspace' ? 'Everyone' : p.scope === 'user' ? p.userEmail ?? `user ${p.userId}` : p.groupName ?? `group ${p.groupId}`,
    metric: METRIC_LABELS[p.metric],
    period: `per ${p.period}`,
    amount: formatNumber(p.amount),
    mode: p.mode,
    expires: p.expiresAt ?? null,
    expired: !!p.expiresAt && p.expiresAt.getTime() <= now.getTime(),
    note: p.note ?? '',
  }));
}

/** The edit form's values of a stored policy. */
export function formValues(p: PolicyRecord, zone: string): Record<string, string> {
  return {
    layer: layerOf(p),
    group_id: p.groupId ? String(p.groupId) : '',
    user_email: p.userEmail ?? '',
    metric: p.metric,
    period: p.period,
    amount: String(p.amount),
    mode: p.mode,
    expires_at: utcToLocalInput(p.expiresAt, zone),
    note: p.note ?? '',
  };
}

export function limitLabel(l: EffectiveLimit): string {
  return `${METRIC_LABELS[l.metric]} per ${l.period}`;
}
