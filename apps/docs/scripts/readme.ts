// Measured figures for the guides come from the packages' own READMEs (where their authors commit benchmark
// output), quoted verbatim with their source, never retyped.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { escapeForVue } from './markdown';
import { repoRoot } from './workspace';

/**
 * The sections of `<dir>/README.md` whose `##`/`###` heading matches `heading`, each to the next heading of the
 * same or a higher level, with headings moved down to `###`. Undefined when there is none.
 */
export function readmeSections(dir: string, heading: RegExp): string | undefined {
  const file = join(dir, 'README.md');
  if (!existsSync(file)) return undefined;
  // HTML comments are notes to the README's editors, not content.
  const lines = readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->\n?/g, '').split('\n');
  const found: string[] = [];
  let fence = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('```')) fence = !fence;
    const m = !fence && /^(#{2,3})\s+(.*)$/.exec(lines[i]);
    if (!m || !heading.test(m[2])) continue;
    const level = m[1].length;
    const section = [`### ${escapeForVue(m[2])}`];
    let inner = false;
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j].startsWith('```')) inner = !inner;
      const n = !inner && /^(#{1,6})\s/.exec(lines[j]);
      if (n && n[1].length <= level) break;
      const line = lines[j].startsWith('```') || inner ? lines[j] : escapeForVue(lines[j]);
      section.push(n ? line.replace(/^#+/, '#'.repeat(Math.min(6, n[1].length + (3 - level)))) : line);
      i = j;
    }
    found.push(section.join('\n').trimEnd());
  }
  if (!found.length) return undefined;
  // Relative links and #fragments of a README point into the repository or the README, not into this site:
  // keep only their text.
  const text = found.join('\n\n').replace(/\[([^\]]+)\]\((?!https?:)[^)]*\)/g, '$1');
  return `${text}\n\n*Quoted from \`${relative(repoRoot, file)}\` as committed when this site was built.*\n`;
}

/**
 * {@link readmeSections} for a package, or a note that says where the figures will come from. `heading` narrows
 * which sections count (e.g. to leave out one the site already quotes elsewhere).
 */
export function benchSection(dir: string, command: string, heading = /bench|figures|measured|performance|speed|throughput/i): string {
  return (
    readmeSections(dir, heading) ??
    `::: info No figures yet\n\`${relative(repoRoot, join(dir, 'README.md'))}\` had no benchmark section when this site was built. \`${command}\` measures them on your machine.\n:::\n`
  );
}
