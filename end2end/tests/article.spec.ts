import { test, expect, Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { SEED_TITLE, seedArticlePath, waitForHydration, watchConsole } from './helpers';

async function expectSeedArticle(page: Page) {
  await expect(page.locator('h1.article-title')).toHaveText(SEED_TITLE);
  const meta = page.locator('.article-meta');
  await expect(meta).toContainText('2021-04-14');
  await expect(meta).toContainText('来源：纵相新闻');
  await expect(meta.getByRole('link', { name: '原文链接' })).toHaveAttribute('href', /^https:\/\//);
  await expect(meta).toContainText('评论5条');
  await expect(page.locator('.article-body figcaption')).toHaveText([1, 2, 3].map((i) => `${SEED_TITLE} - ${i}`));
  await expect(page.locator('.article-body > p')).toHaveCount(18);
  await expect(page.locator('.article-body img')).toHaveCount(3);
  await expect(page.getByRole('heading', { name: '今日评论' })).toBeVisible();
  await expect(page.getByText('网友评论仅供其表达个人看法，并不表明网站立场。')).toBeVisible();
  await expect(page.getByRole('heading', { name: '最新评论（5）' })).toBeVisible();
  await expect(page.locator('.comment-author')).toHaveText([
    '善結仁義',
    'Sammie傻咪',
    '失意女魔王',
    'June六六六月',
    'Melan_小黑鸟',
  ]);
  await expect(page.locator('.comment .avatar')).toHaveCount(5);
  await expect(page).toHaveTitle(`${SEED_TITLE} - 今日`);
}

test('the article page hydrates without console errors and shows the seed article', async ({ page }) => {
  const problems = watchConsole(page);
  const path = await seedArticlePath(page);
  await page.goto(path);
  await waitForHydration(page);
  await expectSeedArticle(page);
  // Images load from our own server.
  for (const img of await page.locator('.article-body img').all()) {
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
  }
  expect(problems).toEqual([]);
});

test('at phone size the comment heading follows the order chosen, through the router and without JavaScript', async ({ browser }) => {
  const path = await (async () => {
    const p = await browser.newPage();
    const found = await seedArticlePath(p);
    await p.close();
    return found;
  })();
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(path);
    if (javaScriptEnabled) await waitForHydration(page);
    const heading = page.locator('.comments-count');
    await expect(heading).toHaveText('最新评论（5）');
    for (const [tab, text] of [['最早', '最早评论（5）'], ['最热', '最热评论（5）'], ['最新', '最新评论（5）']]) {
      await page.locator('.sort-tabs').getByRole('link', { name: tab }).click();
      await expect(heading).toHaveText(text);
    }
    await context.close();
  }
});

test('the page hydrates under its Content-Security-Policy without a single violation', async ({ page }) => {
  await page.addInitScript(() => {
    (window as any).__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as any).__cspViolations.push(e.violatedDirective));
  });
  const problems = watchConsole(page);
  const path = await seedArticlePath(page);
  const response = await page.goto(path);
  expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  await waitForHydration(page);
  await page.locator('.sort-tabs').getByRole('link', { name: '最热' }).click();
  await expect(page).toHaveURL(/sort=hot/);
  expect(await page.evaluate(() => (window as any).__cspViolations)).toEqual([]);
  expect(problems).toEqual([]);
});

test('bundle files named by their own content hash are cached for a year, the others revalidated; pages are not', async ({ page }) => {
  // cargo-leptos writes the loader's hashed name into the glue and the wasm modules after naming
  // them by their earlier bytes (server::headers::ContentNamed): a name is trusted for a year only
  // where it is the MD5 of the bytes served.
  const assets: { path: string; cache: string; lastModified: string; named: boolean }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (!path.startsWith('/pkg/') || r.status() !== 200) return;
    pending.push(
      r.body().then((body) => {
        const hash = createHash('md5').update(body).digest('base64url');
        const headers = r.headers();
        assets.push({ path, cache: headers['cache-control'] ?? '', lastModified: headers['last-modified'] ?? '', named: path.split('.').at(-2) === hash });
      }),
    );
  });
  const response = await page.goto('/');
  expect(response?.headers()['cache-control']).toBe('no-store');
  await waitForHydration(page);
  await Promise.all(pending);
  const names = assets.map((a) => a.path).sort();
  expect(names).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\/pkg\/jinri\.[A-Za-z0-9_-]{22}\.css$/),
      expect.stringMatching(/^\/pkg\/jinri\.[A-Za-z0-9_-]{22}\.js$/),
      expect.stringMatching(/^\/pkg\/jinri\.[A-Za-z0-9_-]{22}\.wasm$/),
    ]),
  );
  for (const a of assets) expect(a.cache, a.path).toBe(a.named ? 'public, max-age=31536000, immutable' : 'no-cache');
  // The stylesheet and the front page's lazy chunks are named by their bytes and kept; the main
  // module is not (the loader's name was written into it after it was named).
  expect(assets.find((a) => a.path.endsWith('.css'))?.named).toBe(true);
  expect(assets.filter((a) => a.path.endsWith('.wasm') && a.named).length).toBeGreaterThan(0);
  const wasm = assets.find((a) => /^\/pkg\/jinri\.[A-Za-z0-9_-]{22}\.wasm$/.test(a.path))!;
  expect(wasm.named).toBe(false);
  // Revalidating costs a round trip, not the download.
  expect(wasm.lastModified).not.toBe('');
  const again = await page.request.get(wasm.path, { headers: { 'If-Modified-Since': wasm.lastModified } });
  expect(again.status()).toBe(304);
  expect((await again.body()).length).toBe(0);
});

test('after hydration a channel link navigates without reloading the page', async ({ page }) => {
  const problems = watchConsole(page);
  const path = await seedArticlePath(page);
  await page.goto(path);
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.locator('nav.channels').getByRole('link', { name: '澳洲' }).click();
  await expect(page).toHaveURL(/\/channel\/au$/);
  await expect(page.locator('h1.section-title')).toHaveText('澳洲');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  // The keyboard goes on from the new page's content, as after a page load.
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  expect(problems).toEqual([]);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the article page shows the same content', async ({ page }) => {
    const path = await seedArticlePath(page);
    await page.goto(path);
    await expectSeedArticle(page);
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  });

  test('the front page lists articles and pages through them', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('.article-item')).toHaveCount(10);
    await page.getByRole('link', { name: '下一页' }).click();
    await expect(page).toHaveURL(/\?page=2$/);
    await expect(page.locator('.article-item').first()).toBeVisible();
  });
});

test('an unknown article is the 404 page with status 404', async ({ page }) => {
  const problems = watchConsole(page);
  const response = await page.goto('/article/987654');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '404 · 页面不存在' })).toBeVisible();
  await expect(page.getByRole('link', { name: '返回首页' })).toHaveAttribute('href', '/');
  // The browser's own report of the 404 response is expected; nothing else is.
  expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
});
