// Every export of the product, for the data dictionary. Each feature keeps its own definitions.
import type { ExportDefinition } from './definitions';
import { USAGE_EXPORTS } from '../usage/export-defs';
import { TOKEN_EXPORTS } from '../tokens/export-defs';
import { ACTIVITY_EXPORTS } from '../activity/export-defs';
import { CREDIT_EXPORTS } from '../credits/export-defs';

export function allExports(): ExportDefinition[] {
  return [...USAGE_EXPORTS, ...TOKEN_EXPORTS, ...ACTIVITY_EXPORTS, ...CREDIT_EXPORTS];
}
