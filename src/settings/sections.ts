// Workspace settings: the sections listed at /admin/settings and in every settings page's sub-navigation.
// A feature with settings adds one entry here; its own router serves the href.
import type { Workspace } from '../workspaces/workspace';

export interface SettingsSection {
  id: string;
  title: string;
  href: string;
  /** One sentence in an admin's words: what is decided there. */
  summary: string;
  /** Shown only for workspaces where it applies (e.g. credits for credit-billed workspaces). */
  appliesTo?: (ws: Workspace) => boolean;
}

export const SETTINGS_SECTIONS: SettingsSection[] = [
  {
    id: 'sign-in',
    title: 'Sign-in',
    href: '/admin/settings/sign-in',
    summary: 'Single sign-on with your identity provider, roles from its groups, two-factor sign-in, and SCIM provisioning.',
  },
  {
    id: 'credits',
    title: 'Credits',
    href: '/admin/credits',
    summary: 'The shared credit pool: packs and grants, pay-as-you-go and its monthly cap, who may spend credits.',
    appliesTo: (ws) => ws.billing_mode === 'credits',
  },
  {
    id: 'limits',
    title: 'Limits',
    href: '/admin/settings/limits',
    summary: 'How many tokens and credits each person, group and the workspace may use per day, week or month, soft or hard.',
  },
  {
    id: 'api-keys',
    title: 'API keys',
    href: '/admin/api-keys',
    summary: 'Keys for the AI platform, BI tools and your identity provider, each limited to what it may do.',
  },
  {
    id: 'alerts',
    title: 'Alerts',
    href: '/admin/settings/alerts',
    summary: 'Who is told when credits run low, usage spikes or allocations fill up: in-app, e-mail, signed webhooks, Slack and scheduled reports.',
  },
  {
    id: 'retention',
    title: 'Data retention',
    href: '/admin/settings/retention',
    summary: 'How long prompt text and raw interactions and logins are kept; report figures are never purged.',
  },
];

export function sectionsFor(ws: Workspace): SettingsSection[] {
  return SETTINGS_SECTIONS.filter((s) => !s.appliesTo || s.appliesTo(ws));
}

/** Locals a settings page passes to its view so `partials/settings/subnav` marks where it is. */
export function settingsLocals(ws: Workspace, sectionId: string): { settingsSection: string; settingsSections: SettingsSection[] } {
  return { settingsSection: sectionId, settingsSections: sectionsFor(ws) };
}
