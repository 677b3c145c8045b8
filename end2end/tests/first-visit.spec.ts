import { test, expect, Response } from '@playwright/test';
import * as zlib from 'zlib';
import * as fs from 'fs';
import * as path from 'path';
import { seedArticlePath, waitForHydration } from './helpers';

// What a first visit to each route fetches to become interactive (the document with its
// hydration data, the stylesheet, the JS glue, the wasm, anything fetched before the page has
// hydrated; not images), each body compressed with brotli at quality 11 as the server's
// precompressed copies are. The table is printed and written to target/first-visit.json
// (bench/run.sh prints it too). The test fails past JINRI_ROUTE_BROTLI_BUDGET bytes for any
// route, and past JINRI_ARTICLE_BROTLI_BUDGET for the article page (where most visits start,
// and the only page whose code is all in the main bundle): the ceilings CI holds today. The
// target is 200,000 (250,000 at most): see bench/README.md for the figures and what stands
// between. Measured 7 December 2026, evening: the article 339,561, the other routes
// 345,006–360,607 (the ceilings were 355,000 and 376,000 before the bundle's trims).
const budget = Number(process.env.JINRI_ROUTE_BROTLI_BUDGET ?? 365_000);
const articleBudget = Number(process.env.JINRI_ARTICLE_BROTLI_BUDGET ?? 344_000);

const brotli = (body: Buffer) =>
  zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

test('the bytes each route fetches on a first visit stay under the ceiling', async ({ browser }) => {
  test.setTimeout(90_000);
  const probe = await browser.newPage();
  const article = await seedArticlePath(probe);
  await probe.close();
  const routes = ['/', article, '/channel/au', '/comment/1', '/sitemap', '/login', '/register'];
  const rows: { route: string; files: number; raw: number; brotli: number; wasm: number }[] = [];
  for (const route of routes) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const responses: Response[] = [];
    let hydrated = false;
    page.on('response', (r) => {
      const type = r.request().resourceType();
      // The wasm comes through the start script's fetch; figures and icons do not count.
      const icon = /\.(svg|png|ico|webmanifest)$/.test(new URL(r.url()).pathname);
      if (!hydrated && !icon && !['image', 'font', 'media', 'manifest', 'eventsource', 'websocket'].includes(type)) responses.push(r);
    });
    await page.goto(route);
    await waitForHydration(page);
    hydrated = true;
    let raw = 0;
    let compressed = 0;
    let wasm = 0;
    for (const r of responses) {
      const body = await r.body();
      raw += body.length;
      const size = brotli(body);
      compressed += size;
      if (new URL(r.url()).pathname.endsWith('.wasm')) wasm += size;
    }
    rows.push({ route, files: responses.length, raw, brotli: compressed, wasm });
    await context.close();
  }
  console.log('\nfirst visit, per route (brotli q11 of each body: document, CSS, JS, wasm, data)');
  for (const r of rows) {
    console.log(`${r.route.padEnd(14)} ${String(r.files).padStart(2)} files  ${String(r.raw).padStart(8)} raw  ${String(r.brotli).padStart(7)} brotli (wasm ${r.wasm})`);
  }
  const out = path.join(__dirname, '..', '..', 'target', 'first-visit.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(rows, null, 2));
  for (const r of rows) {
    expect(r.wasm, `${r.route}: the wasm was fetched`).toBeGreaterThan(0);
    const ceiling = r.route === article ? articleBudget : budget;
    expect(r.brotli, `${r.route}: ${r.brotli} bytes brotli on a first visit (ceiling ${ceiling})`).toBeLessThanOrEqual(ceiling);
  }
});

test('the main wasm is fetched only after the document is parsed, not beside the page it would slow', async ({ page }) => {
  // No preload link in the head: the start script fetches it once the browser is idle
  // (app::BundleScripts), so on a slow line the page's text and figures come first.
  const article = await seedArticlePath(page);
  for (const route of ['/', article]) {
    await page.goto(route);
    await waitForHydration(page);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const wasm = performance.getEntriesByType('resource').filter((e) => /\/pkg\/jinri\.[^/]*wasm$/.test(e.name));
      return { dcl: nav.domContentLoadedEventEnd, wasm: wasm.map((e) => e.startTime) };
    });
    expect(t.wasm.length, `${route}: the main wasm was fetched once`).toBe(1);
    expect(t.wasm[0], `${route}: the wasm's fetch began after the document was parsed`).toBeGreaterThanOrEqual(t.dcl);
  }
});

test('a lazy route names its own code chunks in its head, on every request', async ({ request }) => {
  // The split manifest is read once per process (app::BundleScripts keeps what Leptos'
  // HydrationScripts provides): the first and the later pages of a route must both name the
  // route's chunk and the loader, so the browser fetches them beside the page.
  for (const [route, chunk] of [['/login', 'split___login_route_view_'], ['/sitemap', 'split___sitemap_route_view_'], ['/login', 'split___login_route_view_']]) {
    const html = await (await request.get(route)).text();
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head, `${route}: its chunk is preloaded`).toMatch(new RegExp(`<link[^>]*href="/pkg/${chunk}[^"]*\\.wasm"[^>]*rel="preload"`));
    expect(head, `${route}: the chunks' loader is preloaded`).toMatch(/<link[^>]*href="\/pkg\/__wasm_split\.[^"]*\.js"[^>]*rel="modulepreload"/);
  }
});

test('a click on an article link at phone size: time until the new article is on screen and live', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto('/');
  await waitForHydration(page);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const link = page.locator('.article-list .item-title a').nth(i);
    const title = await link.innerText();
    // From the tap to the article's title and its comment form or sign-in prompt on screen
    // (the thread's buttons work from then on; its live stream opens with it).
    const ms = await page.evaluate(async (n) => {
      const a = document.querySelectorAll<HTMLAnchorElement>('.article-list .item-title a')[n];
      const t0 = performance.now();
      a.click();
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        const h1 = document.querySelector('h1.article-title');
        if (h1 && h1.textContent === a.textContent && document.querySelector('#comment-form')) return performance.now() - t0;
      }
    }, i);
    await expect(page.locator('h1.article-title')).toHaveText(title);
    times.push(ms);
    await page.goBack();
    await expect(page.locator('.article-list')).toBeVisible();
  }
  times.sort((a, b) => a - b);
  console.log(`\nclick on an article link → new article interactive (phone size): median ${times[2].toFixed(0)} ms, all ${times.map((t) => t.toFixed(0)).join(' / ')} ms`);
  expect(times.length).toBe(5);
  await context.close();
});
