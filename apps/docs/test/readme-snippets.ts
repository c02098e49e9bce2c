// The code snippets of a README, and how the ones that continue another become one module.

/** A ```ts / ```js code block of a README. */
export interface Snippet {
  /** The README, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** `<!-- snippet: continues -->` above the fence: it runs after the snippet before it, as one module. */
  continues: boolean;
  /** `<!-- snippet: no-run (why) -->` (or `continues, no-run (why)`) above the fence: why it is only type-checked. */
  noRun?: string;
}

const MARKER = /^<!--\s*snippet:\s*(continues)?\s*,?\s*(no-run)?\s*(?:\((.*)\))?\s*-->$/;

/** The ```ts / ```js / ```typescript / ```javascript blocks of `markdown`, with the marker above each, if any. */
export function readmeSnippets(markdown: string, file: string): Snippet[] {
  const lines = markdown.split('\n');
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*(\w+)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(open[1]) && l.trim() === open[1]);
    if (end < 0) throw new Error(`${file}:${i + 1}: code block never closed`);
    if (/^(ts|js|typescript|javascript|mts|mjs)$/.test(open[2])) {
      let k = i - 1;
      while (k >= 0 && lines[k].trim() === '') k--;
      const marker = k >= 0 ? MARKER.exec(lines[k].trim()) : null;
      if (k >= 0 && lines[k].trim().startsWith('<!-- snippet') && (!marker || (!marker[1] && !marker[2]))) {
        throw new Error(`${file}:${k + 1}: unknown snippet marker (use <!-- snippet: continues -->, <!-- snippet: no-run (why) --> or both)`);
      }
      if (marker?.[2] && !marker[3]?.trim()) throw new Error(`${file}:${k + 1}: a no-run marker says why: no-run (reason)`);
      const continues = marker?.[1] === 'continues';
      if (continues && !found.some((s) => s.file === file)) throw new Error(`${file}:${k + 1}: the first snippet continues nothing`);
      found.push({ file, line: i + 1, code: lines.slice(i + 1, end).join('\n'), continues, noRun: marker?.[2] ? marker[3].trim() : undefined });
    }
    i = end;
  }
  return found;
}

const IMPORT = /^import\s+(type\s+)?(?:([\w$]+)\s*,?\s*)?(?:\*\s+as\s+([\w$]+)\s*)?(?:\{([^}]*)\}\s*)?from\s+'([^']+)';?[ \t]*(\/\/.*)?$|^import\s+'([^']+)';?[ \t]*(\/\/.*)?$/gm;

/**
 * Snippets joined into one module: every import moved to the top, the named imports of one module merged (so two
 * snippets may both `import { odeint } from '@neural-ode/odeint'`), the rest in order, each nested in the one before.
 */
export function mergeImports(codes: string[]): string {
  const sideEffects = new Set<string>();
  const namespaces = new Map<string, string>(); // `* as x` / default import line → itself
  const named = new Map<string, Set<string>>(); // module → specifiers
  const bodies: string[] = [];
  for (const code of codes) {
    bodies.push(
      code.replace(IMPORT, (_all, typeOnly, def, ns, names, from, _c1, bare) => {
        if (bare) {
          sideEffects.add(bare);
          return '';
        }
        if (def) namespaces.set(`import ${typeOnly ?? ''}${def} from '${from}';`, '');
        if (ns) namespaces.set(`import ${typeOnly ?? ''}* as ${ns} from '${from}';`, '');
        if (names !== undefined) {
          const set = named.get(from) ?? new Set<string>();
          for (const n of names.split(',').map((x: string) => x.trim()).filter(Boolean)) set.add(typeOnly ? `type ${n}` : n);
          named.set(from, set);
        }
        return '';
      }),
    );
  }
  const head = [
    ...[...sideEffects].map((m) => `import '${m}';`),
    ...namespaces.keys(),
    ...[...named].map(([from, set]) => `import { ${[...set].join(', ')} } from '${from}';`),
  ];
  // Each snippet in a block inside the one before: it sees what the earlier ones declared, and may declare the same
  // names again (`const { grads } = ...` in two snippets), as a reader takes them one after the other.
  const nested = bodies.map((b, i) => (i === 0 ? b : `{\n${b}`)).join('\n') + '\n}'.repeat(bodies.length - 1);
  return `${head.join('\n')}\n${nested}\n`;
}
