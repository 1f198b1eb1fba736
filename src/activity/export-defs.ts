// CSV export definitions of this feature (columns feed the exporter and the data dictionary).
import type { ExportDefinition } from '../exports/definitions';

export const ACTIVITY_EXPORTS: ExportDefinition[] = [];
