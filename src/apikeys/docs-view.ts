// View model of the API reference page: the OpenAPI document flattened into endpoints and fields.
// The document itself belongs to the API; the app hands it to this page when it is built.

type Schema = Record<string, any>;

/** Text with `code` spans, split so the template can escape each part and wrap code in <code>. */
export type Rich = { code: boolean; text: string }[];

export function rich(s: string): Rich {
  return s.split('`').map((text, i) => ({ code: i % 2 === 1, text })).filter((p) => p.text !== '');
}

export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  description: Rich;
}

export interface EndpointView {
  method: string;
  path: string;
  anchor: string;
  summary: string;
  description: Rich;
  fields: FieldRow[];
  /** query and path parameters (GET endpoints) */
  params: (FieldRow & { in: string })[];
  /** the JSON example of the 200 answer, pretty-printed ('' when none) */
  example: string;
  itemsLabel: string | null;
  responses: { status: string; description: Rich }[];
  curl: string;
}

function resolve(doc: Schema, s: Schema | undefined): Schema | undefined {
  if (!s) return s;
  if (s.$ref) return doc.components.schemas[String(s.$ref).split('/').pop()!];
  return s;
}

function typeLabel(doc: Schema, s: Schema | undefined): string {
  if (!s) return '';
  if (s.$ref) return String(s.$ref).split('/').pop()!;
  if (s.oneOf) return s.oneOf.map((x: Schema) => typeLabel(doc, x)).join(' | ');
  const types = Array.isArray(s.type) ? s.type : [s.type];
  let base = types.filter((t: string) => t !== 'null').join(' | ') || 'any';
  if (s.enum) base = s.enum.filter((v: unknown) => v !== null).map((v: unknown) => JSON.stringify(v)).join(' | ');
  if (base.startsWith('array') && s.items) base = `array of ${typeLabel(doc, s.items)}`;
  if (s.format) base += ` (${s.format})`;
  return types.includes('null') ? `${base} | null` : base;
}

function describe(doc: Schema, s: Schema | undefined): string {
  const r = resolve(doc, s) ?? {};
  const bits = [s?.description ?? r.description ?? ''];
  if (r.maxLength) bits.push(`max ${r.maxLength} characters.`);
  if (r.default !== undefined) bits.push(`Default ${JSON.stringify(r.default)}.`);
  return bits.filter(Boolean).join(' ');
}

function fieldsOf(doc: Schema, schema: Schema | undefined): { fields: FieldRow[]; itemsLabel: string | null } {
  let s = resolve(doc, schema);
  let itemsLabel: string | null = null;
  // Batches: show the fields of one item.
  const props = s?.properties ?? {};
  const keys = Object.keys(props);
  if (keys.length === 1 && props[keys[0]].type === 'array' && props[keys[0]].items?.$ref) {
    itemsLabel = `{"${keys[0]}": [ ... ]} — at most ${props[keys[0]].maxItems} items, each:`;
    s = resolve(doc, props[keys[0]].items);
  }
  const required = new Set<string>(s?.required ?? []);
  const fields = Object.entries(s?.properties ?? {}).map(([name, p]) => ({
    name,
    type: typeLabel(doc, p as Schema),
    required: required.has(name),
    description: rich(describe(doc, p as Schema)),
  }));
  return { fields, itemsLabel };
}

export function apiDocsView(origin: string, document: object) {
  const doc = document as Schema;
  const endpoints: EndpointView[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Schema)) {
    for (const [method, op] of Object.entries(ops as Schema)) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      const { fields, itemsLabel } = fieldsOf(doc, body);
      const sample = (op['x-codeSamples'] ?? [])[0]?.source ?? '';
      const params = ((op.parameters ?? []) as Schema[]).map((p) => ({
        name: p.name,
        in: p.in,
        type: typeLabel(doc, p.schema) + (p.schema?.default !== undefined ? ` (default ${JSON.stringify(p.schema.default)})` : ''),
        required: !!p.required,
        description: rich(p.description ?? ''),
      }));
      const ok = op.responses?.['200']?.content?.['application/json']?.example;
      endpoints.push({
        method: method.toUpperCase(),
        path: `/api/v1${path}`,
        anchor: op.operationId,
        summary: op.summary,
        description: rich(op.description ?? ''),
        fields,
        params,
        example: ok === undefined ? '' : JSON.stringify(ok, null, 2),
        itemsLabel,
        responses: Object.entries(op.responses as Schema).map(([status, r]) => ({ status, description: rich((r as Schema).description) })),
        curl: sample.replace('https://console.example.com', origin),
      });
    }
  }
  return { info: { ...doc.info, description: rich(doc.info.description) }, endpoints, batchResult: fieldsOf(doc, { $ref: '#/components/schemas/BatchResult' }).fields };
}
