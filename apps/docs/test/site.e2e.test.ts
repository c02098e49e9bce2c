// The built site in a real browser (Debian's Chromium, driven by playwright-core): navigation, the API reference,
// local search, every internal link, the live page training, and not one request leaving 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedPackages, repositoryUrl } from '../scripts/workspace';
import { checkLinks } from './link-check';
import { serveStatic, type StaticServer } from './static-server';

const CHROMIUM = '/usr/bin/chromium';
const docsDir = resolve(__dirname, '..');
const distDir = join(docsDir, 'dist');
const outDir = join(docsDir, 'test-output');

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) {
    if (name === 'cache' || name === 'node_modules' || name === 'api' || name === 'generated') continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

/**
 * Builds the site when dist/ is missing, or older than this app's own sources (pages, theme, generator,
 * examples). Changes in other packages do not trigger a rebuild here: CI builds everything first
 * (`pnpm build`), and DOCS_E2E_REBUILD=1 forces one.
 */
async function ensureBuilt(): Promise<void> {
  const built = join(distDir, 'index.html');
  const sources = ['src', 'scripts', 'examples', 'package.json'].map((p) => join(docsDir, p));
  const stale =
    process.env.DOCS_E2E_REBUILD === '1' ||
    !existsSync(built) ||
    Math.max(...sources.map(newestMtime)) > statSync(built).mtimeMs;
  if (!stale) return;
  // Asynchronously: a build blocking this worker for minutes would starve vitest's own messages.
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn('pnpm', ['run', 'build'], { cwd: docsDir, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', done);
  });
  if (code !== 0) throw new Error(`building the docs site failed (pnpm run build exited with ${code}); see its output above`);
}

let server: StaticServer;
let context: BrowserContext;
let profileDir: string;
const requests: string[] = [];
const pageErrors: string[] = [];
/** Console errors and Vue's warnings (a hydration mismatch on first render is only logged, never thrown). */
const consoleErrors: string[] = [];

/** The page's h1 once it contains `text` (client-side navigation swaps the content after the URL changes). */
async function heading(page: Page, text: string): Promise<string> {
  await expect.poll(async () => (await page.locator('h1').first().textContent()) ?? '', { timeout: 15_000 }).toContain(text);
  return (await page.locator('h1').first().textContent()) ?? '';
}

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /\[Vue warn\]|hydration/i.test(m.text())) consoleErrors.push(`${path}: ${m.type()}: ${m.text()}`);
  });
  await page.goto(server.origin + path);
  return page;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the docs' browser test needs it. Install it with \`apt-get install chromium\` (CI's scripts/setup.sh does).`);
  }
  await ensureBuilt();
  mkdirSync(outDir, { recursive: true });
  server = await serveStatic(distDir);
  profileDir = mkdtempSync(join(tmpdir(), 'neural-ode-docs-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  context.on('request', (r) => requests.push(r.url()));
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

describe('the built docs site', () => {
  it('goes home → guide → the API page of odeint, which lists its options', async () => {
    const page = await open('/');
    expect(await page.locator('.VPHero .name').textContent()).toContain('neural-ode');
    await page.getByRole('heading', { name: 'In three sentences' }).waitFor();
    // A favicon that exists, and (when the root package.json names one) the repository in the nav bar.
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(icon).toBe('/favicon.svg');
    const iconResponse = await fetch(server.origin + icon);
    expect(iconResponse.status).toBe(200);
    expect(await iconResponse.text()).toContain('<svg');
    const repository = repositoryUrl();
    if (repository) expect(await page.locator(`.VPSocialLinks a[href="${repository}"]`).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(outDir, 'home.png'), fullPage: true });

    await page.locator('.VPHero').getByRole('link', { name: 'Get started' }).click();
    await page.waitForURL(/\/guide\/getting-started/);
    await heading(page, 'Getting started');

    // The browser example runs in the page and gets the exact numbers.
    await page.getByTestId('run-example').click();
    await page.getByTestId('example-result').waitFor({ timeout: 30_000 });
    expect(Number(await page.getByTestId('example-y2').textContent())).toBeCloseTo(Math.exp(-1), 4);
    expect(Number(await page.getByTestId('example-dydk').textContent())).toBeCloseTo(-2 * Math.exp(-1), 3);

    await page.getByRole('link', { name: 'API page of odeint' }).click();
    await page.waitForURL(/\/api\/@neural-ode\/odeint\/functions\/odeint/);
    await heading(page, 'odeint');
    await page.locator('h2', { hasText: 'Options' }).waitFor();
    // Every parameter is described (TSDoc @param): no "-" in the Description column.
    const params = page.locator('table', { has: page.locator('th', { hasText: 'Description' }) }).first();
    for (const name of ['f', 'y0', 'ts', 'options']) {
      const row = params.locator('tr', { has: page.locator('td:first-child code', { hasText: new RegExp(`^${name}\\??$`) }) }).first();
      const description = ((await row.locator('td').last().textContent()) ?? '').trim();
      expect(description, `odeint's parameter ${name}`).not.toMatch(/^-?$/);
    }
    const table = page.locator('h2', { hasText: 'Options' }).locator('xpath=following-sibling::table[1]');
    for (const name of ['method', 'rtol', 'atol', 'maxSteps']) {
      await table.locator('code', { hasText: new RegExp(`^${name}$`) }).waitFor();
    }
    expect(await table.textContent()).toContain("'dopri5'");
    // Descriptions come from the schema fields' TSDoc comments.
    expect(await table.locator('tr', { has: page.locator('code', { hasText: /^rtol$/ }) }).textContent()).toMatch(/tolerance/i);
    await page.close();
  });

  it('finds odeintAdjoint with the local search', async () => {
    const page = await open('/guide/solvers.html');
    await page.locator('.VPNavBarSearch button').click();
    await page.locator('#localsearch-input').fill('odeintAdjoint');
    const hit = page.locator('.VPLocalSearchBox .result', { hasText: 'odeintAdjoint' }).first();
    await hit.waitFor({ timeout: 15_000 });
    await hit.click();
    await page.waitForURL(/odeintAdjoint/);
    await heading(page, 'odeintAdjoint');
    await page.close();
  });

  it('has an API section for every public package', () => {
    const packages = documentedPackages();
    expect(packages.map((p) => p.name)).toContain('@neural-ode/odeint');
    for (const p of packages) expect(existsSync(join(distDir, 'api', p.name, 'index.html')), p.name).toBe(true);
  });

  it('has no broken internal link', () => {
    const { checked, broken } = checkLinks(distDir);
    expect(checked).toBeGreaterThan(500);
    expect(broken.map((b) => `${b.page}: ${b.link} (${b.reason})`)).toEqual([]);
  });

  it('trains the spiral live in the browser: the displayed loss falls within a minute', async () => {
    const page = await open('/live.html');
    const loss = page.getByTestId('loss');
    const iteration = page.getByTestId('iteration');
    await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 30_000 }).not.toMatch(/starting/);
    expect(await page.getByTestId('error').count()).toBe(0);
    // The first displayed loss averages the first 10 batches.
    await expect.poll(async () => Number(await iteration.textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
    const first = Number(await loss.textContent());
    expect(first).toBeGreaterThan(0);
    const started = Date.now();
    await expect
      .poll(async () => Number(await loss.textContent()), { timeout: 60_000, interval: 500 })
      .toBeLessThan(first / 4);
    const seconds = (Date.now() - started) / 1000;
    const backend = await page.getByTestId('backend').textContent();
    const iterations = await iteration.textContent();
    console.log(`live page: ${backend} backend, loss ${first} → ${await loss.textContent()} in ${seconds.toFixed(1)} s (iteration ${iterations})`);
    // The plot shows a learned trajectory.
    expect((await page.getByTestId('learned-path').getAttribute('d'))?.length).toBeGreaterThan(100);
    // For the screenshot, give the learned trajectory a little longer to settle onto the spiral (not asserted).
    await page
      .waitForFunction(() => Number(document.querySelector('[data-testid="rmse"]')?.textContent) < 0.1, undefined, { timeout: 20_000 })
      .catch(() => {});
    await page.screenshot({ path: join(outDir, 'live.png'), fullPage: true });
    await page.getByTestId('stop').click();
    await page.getByTestId('start').waitFor();
    const stoppedAt = await iteration.textContent();
    await page.waitForTimeout(500);
    expect(await iteration.textContent()).toBe(stoppedAt);
    await page.getByTestId('reset').click();
    await expect.poll(() => iteration.textContent()).toBe('0');

    // The other backends start too (wasm loads its binary from this site's assets) and train.
    for (const name of ['wasm', 'cpu']) {
      await page.getByTestId('backend-select').selectOption(name);
      await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 30_000 }).toBe(name);
      if (await page.getByTestId('start').count()) await page.getByTestId('start').click();
      await expect.poll(async () => Number(await iteration.textContent()), { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
      expect(await page.getByTestId('error').count()).toBe(0);
    }
    await page.close();
  });

  it('sent no request anywhere but 127.0.0.1, and no page threw', () => {
    expect(requests.length).toBeGreaterThan(20);
    const outside = requests.filter((u) => !u.startsWith(server.origin) && !/^(data|blob):/.test(u));
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
