// The routes the app serves, read from its router (Express 5 keeps only matchers for mounts).
interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  matchers?: ((path: string) => unknown)[];
}

/** The mount prefix of a sub-router (Express 5 keeps only matchers): probe the known ones. */
function prefixOf(layer: Layer): string {
  for (const p of ['/api/v1']) if (layer.matchers?.some((m) => m(`${p}/x`)) && !layer.matchers?.some((m) => m('/x'))) return p;
  return '';
}

export function appRoutes(app: unknown): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const l of stack) {
      if (l.route) {
        for (const p of ([] as string[]).concat(l.route.path)) for (const m of Object.keys(l.route.methods)) if (m !== '_all') out.push({ method: m.toUpperCase(), path: prefix + p });
      } else if (l.handle?.stack) walk(l.handle.stack, prefix + prefixOf(l));
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

