// Checks every internal link of the built site: each href/src in every HTML file must name a file of the site,
// and each #fragment an element id on the page it points to.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileFor } from './static-server';

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return htmlFiles(full);
    return name.endsWith('.html') ? [full] : [];
  });
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** Ids of the elements of an HTML page (decoded). */
function ids(html: string): Set<string> {
  return new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((m) => decodeEntities(m[1])));
}

/** A link that does not resolve. */
export interface BrokenLink {
  page: string;
  link: string;
  reason: string;
}

/** Every broken internal link in the site under `root`, and how many links were checked. */
export function checkLinks(root: string): { checked: number; broken: BrokenLink[] } {
  const pages = htmlFiles(root);
  const idCache = new Map<string, Set<string>>();
  const idsOf = (file: string) => {
    let s = idCache.get(file);
    if (!s) idCache.set(file, (s = ids(readFileSync(file, 'utf8'))));
    return s;
  };
  const broken: BrokenLink[] = [];
  let checked = 0;
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    const pageUrl = '/' + relative(root, page).replace(/\\/g, '/');
    for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const link = decodeEntities(m[1]);
      if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(link)) continue; // http:, mailto:, data:, protocol-relative
      checked++;
      const [pathPart, fragment] = link.split('#', 2);
      const target = pathPart === '' ? page : fileFor(root, new URL(pathPart, `http://site${pageUrl}`).pathname);
      const where = relative(root, page);
      if (!target) {
        broken.push({ page: where, link, reason: 'no such file' });
        continue;
      }
      if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) {
        broken.push({ page: where, link, reason: `no element with id "${decodeURIComponent(fragment)}" in ${relative(root, target)}` });
      }
    }
  }
  return { checked, broken };
}
