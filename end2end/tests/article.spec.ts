import { test, expect, Page } from '@playwright/test';
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

test('the bundle, its glue and the stylesheet are named by their hash and cached for a year; pages are not', async ({ page }) => {
  const assets: { url: string; cache: string }[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/pkg/')) assets.push({ url: r.url(), cache: r.headers()['cache-control'] ?? '' });
  });
  const response = await page.goto('/');
  expect(response?.headers()['cache-control']).toBe('no-store');
  await waitForHydration(page);
  const names = assets.map((a) => new URL(a.url).pathname).sort();
  expect(names).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\/pkg\/jinri\.[A-Za-z0-9_-]{22}\.css$/),
      expect.stringMatching(/^\/pkg\/jinri\.[A-Za-z0-9_-]{22}\.js$/),
      expect.stringMatching(/^\/pkg\/jinri\.[A-Za-z0-9_-]{22}\.wasm$/),
    ]),
  );
  for (const a of assets) expect(a.cache, a.url).toBe('public, max-age=31536000, immutable');
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
