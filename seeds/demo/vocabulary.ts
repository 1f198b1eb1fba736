// Vocabulary of the demo organisation: names, departments, surfaces, prompts, models, agents, activity
// levels and the calendar shape of a working week.
import { DEPARTMENTS } from '../../src/domain/model';
import { parseDay } from '../../src/db/time';

export const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'Lucas', 'Mia', 'Mateo', 'Amelia', 'Benjamin', 'Harper', 'Ethan', 'Evelyn', 'Henry', 'Aisha', 'Wei', 'Priya', 'Diego', 'Fatima', 'Kenji', 'Chloe', 'Omar', 'Grace', 'Ravi', 'Zoe', 'Samuel', 'Nora', 'Daniel', 'Lena', 'Carlos', 'Hannah', 'Tomás', 'Ingrid', 'Kwame', 'Yuki', 'Marta'];
export const LAST = ['Smith', 'Johnson', 'Garcia', 'Brown', 'Nguyen', 'Patel', 'Kim', 'Martinez', 'Lee', 'Wilson', 'Anderson', 'Thomas', 'Moore', 'Jackson', 'Okafor', 'Rossi', 'Schmidt', 'Chen', 'Lopez', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'Khan', 'Silva', 'Novak', 'Haddad', 'Ito', 'Berg'];

export const DEPT_WEIGHTS: Record<(typeof DEPARTMENTS)[number], number> = { Marketing: 25, Sales: 20, Engineering: 20, Support: 12, Legal: 6, HR: 7, Finance: 10 };

export const SURFACE_WEIGHTS: readonly (readonly [string, number])[] = [
  ['chat', 34],
  ['agent', 15],
  ['ask', 10],
  ['command', 8],
  ['extension', 10],
  ['api', 7],
  ['toolbar', 6],
  ['grid', 7],
  // Strings the platform sends that the console does not know: stored as 'other'.
  ['mobile-app', 1.2],
  ['slack', 1],
  ['', 0.5],
];

export const PROMPTS: Record<string, string[]> = {
  Marketing: ['Write three subject lines for the spring launch email', 'Rewrite this product blurb in our brand voice', 'Draft a LinkedIn post announcing the partner webinar', 'Summarise the campaign results for Q2 in five bullets', 'Suggest SEO keywords for the pricing page'],
  Sales: ['Draft a follow-up email after a discovery call with a CFO', 'Summarise this account plan for the QBR', 'Give me objection handling for "too expensive"', 'Personalise this outreach for a healthcare prospect'],
  Engineering: ['Explain this stack trace and suggest a fix', 'Write unit tests for the date parser', 'Summarise the design doc for the ingestion service', 'Convert this SQL query to use keyset pagination'],
  Support: ['Draft a friendly reply to a customer whose export failed', 'Summarise this ticket thread for escalation', 'Turn these notes into a knowledge-base article'],
  Legal: ['Summarise the indemnity clause in plain English', 'Compare these two NDA versions and list the differences', 'Flag unusual terms in this vendor agreement'],
  HR: ['Write a job description for a senior data analyst', 'Draft an onboarding checklist for new managers', 'Summarise the engagement survey comments'],
  Finance: ['Explain the variance between budget and actuals for October', '=SUM(B2:B40) explain what this formula totals', 'Draft the monthly close summary for the CFO'],
};

export const INFERENCE_MODELS_EARLY: readonly (readonly [string, number])[] = [
  ['gpt-4o', 45],
  ['gpt-4o-mini', 25],
  ['claude-3-5-sonnet', 20],
  ['gemini-1.5-pro', 10],
];
export const INFERENCE_MODELS_LATE: readonly (readonly [string, number])[] = [
  ['gpt-4.1', 35],
  ['gpt-4o-mini', 15],
  ['claude-sonnet-4', 30],
  ['gemini-2.5-pro', 15],
  ['llama-3.1-70b', 5],
];
export const IMAGE_MODELS = ['gpt-image-1', 'imagen-3'];
export const EMBEDDING_MODEL = 'text-embedding-3-large';

export const PUBLIC_AGENTS = [
  ['pub-research', 'Research Assistant', 'research'],
  ['pub-seo', 'SEO Optimizer', 'seo'],
  ['pub-content', 'Content Writer', 'content'],
  ['pub-analyst', 'Data Analyst', 'analysis'],
  ['pub-meeting', 'Meeting Summarizer', 'general'],
  ['pub-translate', 'Translator', 'content'],
  ['pub-competitor', 'Competitor Watch', 'research'],
  ['pub-legal-review', 'Contract Reviewer', 'analysis'],
] as const;
export const CUSTOM_AGENTS = [
  ['cus-brand-check', 'Brand Voice Checker', 'optimization', 'workspace', 'Marketing'],
  ['cus-rfp', 'RFP Responder', 'content', 'shared', 'Sales'],
  ['cus-release-notes', 'Release Notes Writer', 'content', 'workspace', 'Engineering'],
  ['cus-ticket-triage', 'Ticket Triage', 'analysis', 'shared', 'Support'],
  ['cus-policy-qa', 'HR Policy Q&A', 'general', 'workspace', 'HR'],
  ['cus-close-helper', 'Month-end Close Helper', 'analysis', 'private', 'Finance'],
  ['cus-campaign-brief', 'Campaign Brief Builder', 'content', 'shared', 'Marketing'],
  ['cus-win-loss', 'Win/Loss Analyzer', 'analysis', 'private', 'Sales'],
  // Created but never run: shows up as unused in reports.
  ['cus-okr-drafter', 'OKR Drafter', 'general', 'private', 'HR'],
  ['cus-clause-library', 'Clause Library', 'research', 'shared', 'Legal'],
  ['cus-old-pilot', 'Pilot Agent (old)', 'general', 'private', 'Engineering'],
] as const;
export const NEVER_USED = new Set(['cus-okr-drafter', 'cus-clause-library', 'cus-old-pilot', 'pub-legal-review']);
/** Agents whose runs are billable (premium actions charged to the credit pool). */
export const PREMIUM_AGENTS = new Set(['pub-research', 'pub-competitor', 'pub-analyst', 'cus-rfp', 'cus-win-loss']);

export type Level = 'power' | 'heavy' | 'regular' | 'light' | 'idle';
export const LEVEL_WEIGHT: Record<Level, number> = { power: 9, heavy: 3.5, regular: 1.2, light: 0.3, idle: 0 };

export function weekdayFactor(day: string): number {
  const dow = parseDay(day).getUTCDay(); // 0 Sunday
  const base = [0.1, 1.0, 1.12, 1.1, 1.05, 0.85, 0.15][dow];
  const md = day.slice(5);
  // Holidays: the last week of December and the first of January are quiet.
  if (md >= '12-24' || md <= '01-01') return base * 0.35;
  return base;
}

/** Working-hours distribution (local time). */
export const HOURS: readonly (readonly [number, number])[] = [
  [6, 1], [7, 3], [8, 8], [9, 12], [10, 13], [11, 12], [12, 7], [13, 10], [14, 12], [15, 11], [16, 9], [17, 5], [18, 3], [19, 2], [20, 2], [21, 1], [22, 1],
];
