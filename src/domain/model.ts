// The product's vocabulary (surfaces, outputs, token kinds, IQ layers, credit categories, roles,
// statuses) and the shapes of usage as the write path takes it. Shared by every layer; imports nothing.

export const SURFACES = ['chat', 'agent', 'ask', 'command', 'extension', 'api', 'toolbar', 'grid', 'other'] as const;
export type Surface = (typeof SURFACES)[number];

export const SURFACE_LABELS: Record<Surface, string> = {
  chat: 'Chat',
  agent: 'Agent',
  ask: 'Ask',
  command: 'Command',
  extension: 'Extension',
  api: 'API',
  toolbar: 'Toolbar',
  grid: 'Grid',
  other: 'Other',
};

export const OUTPUTS = ['text', 'image'] as const;
export type Output = (typeof OUTPUTS)[number];

export const TOKEN_KINDS = ['inference', 'embedding'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const IQ_LAYERS = ['brand_voice', 'knowledge', 'audience', 'style_guide', 'visual_guidelines'] as const;
export type IqLayer = (typeof IQ_LAYERS)[number];

export const CREDIT_CATEGORIES = ['grid', 'api', 'agents'] as const;
export type CreditCategory = (typeof CREDIT_CATEGORIES)[number];

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const USER_STATUSES = ['invited', 'active', 'revoked'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const DEPARTMENTS = ['Marketing', 'Sales', 'Engineering', 'Support', 'Legal', 'HR', 'Finance'] as const;

/** Unknown or missing surfaces are classified as Other. */
export function normalizeSurface(s: string | null | undefined): Surface {
  const v = (s ?? '').trim().toLowerCase();
  return (SURFACES as readonly string[]).includes(v) ? (v as Surface) : 'other';
}

/** IQ layers in canonical order, de-duplicated, unknown names dropped. */
export function normalizeIqLayers(layers: readonly string[] | null | undefined): IqLayer[] {
  const set = new Set((layers ?? []).map((l) => l.trim().toLowerCase()));
  return IQ_LAYERS.filter((l) => set.has(l));
}

/** Longest stored prompt excerpt (characters). */
export const PROMPT_EXCERPT_MAX = 500;

export function truncatePrompt(prompt: string | null | undefined): string | null {
  if (prompt == null) return null;
  // at most as many characters as UTF-16 units: short prompts need no split into characters
  if (prompt.length <= PROMPT_EXCERPT_MAX) return prompt;
  const chars = Array.from(prompt);
  return chars.length <= PROMPT_EXCERPT_MAX ? prompt : chars.slice(0, PROMPT_EXCERPT_MAX - 1).join('') + '…';
}

/** An interaction as the write path takes it (already shape-checked by the caller's zod schema). */
export interface InteractionInput {
  id: string;
  user: string; // email
  occurredAt: Date;
  kind: TokenKind;
  surface?: string | null;
  output?: Output | null;
  agent?: string | null; // agent external id
  iqLayers?: string[] | null;
  model: string;
  promptTokens: number;
  completionTokens: number;
  training?: boolean;
  ip?: string | null;
  prompt?: string | null;
  billable?: { category: CreditCategory; units: number } | null;
}

export interface LoginInput {
  user: string; // email
  occurredAt: Date;
  ip?: string | null;
}

export interface Rejection {
  index: number;
  id: string | null;
  error: string;
}

export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}
