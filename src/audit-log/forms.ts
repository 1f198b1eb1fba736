// Inputs of the Audit log page: its filters (lenient: a bad field is reported and dropped).
import { z } from 'zod';
import { cursorField, dayField, emptyToUndefined, FROM_BEFORE_TO, fromBeforeTo, lenientParse } from '../http/filters';

export const filterSchema = z
  .object({
    actor: z.preprocess(emptyToUndefined, z.string().trim().max(255, 'Actor is too long.').optional()),
    action: z.preprocess(emptyToUndefined, z.string().trim().max(64, 'Action is too long.').regex(/^[a-z0-9_.:-]+$/i, 'Choose an action from the list.').optional()),
    from: dayField('From'),
    to: dayField('To'),
    before: cursorField(),
    after: cursorField(),
  })
  .refine(fromBeforeTo, FROM_BEFORE_TO);

export const parseFilters = (query: unknown) => lenientParse(filterSchema, query);
