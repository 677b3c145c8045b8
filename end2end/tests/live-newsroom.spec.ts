import { test, expect, Browser, BrowserContext } from '@playwright/test';
import { PHONE, jinriUser, register, siteTimeAhead, waitForHydration, watchConsole } from './helpers';

// Open pages learn of the newsroom's work without a reload: a scheduled article appears on an
// open front page as "N 篇新文章" when its time comes; a correction reaches an open copy of
// the article in place (a comment being typed stays); a withdrawal tells its readers.

async function editor(browser: Browser, name: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await register(page, name);
  jinriUser('grant', name, 'editor');
  await page.close();
  return context;
}

async function call(editorContext: BrowserContext, endpoint: string, form: Record<string, string>) {
  const resp = await editorContext.request.post(`/api/newsroom/${endpoint}`, { form, headers: { accept: 'application/json' } });
  expect(resp.status(), await resp.text()).toBe(200);
  return resp.json();
}

async function draft(editorContext: BrowserContext, title: string, channel: string, body: string): Promise<string> {
  const id = await call(editorContext, 'save', { id: '', title, channel, summary: `${title}的摘要`, source: '今日', original_url: '', body });
  return String(id);
}

test('a scheduled article appears on an open front page as "N 篇新文章" when its time comes, and a click brings it in', async ({ browser }) => {
  test.setTimeout(150_000);
  const desk = await editor(browser, '编辑定时');
  const title = `定时发布的新闻 ${Date.now() % 100000}`;
  const id = await draft(desk, title, 'life', '到点自动发布。');
  await call(desk, 'publish', { id, at: siteTimeAhead(35) });

  const reader = await (await browser.newContext(PHONE)).newPage();
  const problems = watchConsole(reader);
  await reader.goto('/');
  await waitForHydration(reader);
  const other = await (await browser.newContext(PHONE)).newPage();
  await other.goto('/channel/au');
  await waitForHydration(other);
  await expect(reader.getByRole('link', { name: title })).toHaveCount(0);
  // The scheduler publishes it within a second of its time; the open page hears it.
  const button = reader.getByRole('button', { name: '1 篇新文章' });
  await expect(button).toBeVisible({ timeout: 110_000 });
  await reader.screenshot({ path: 'test-results/live-new-articles.png' });
  await button.click();
  await expect(reader.getByRole('link', { name: title }).first()).toBeVisible();
  await expect(button).toHaveCount(0);
  // Another channel's open page has nothing new.
  await expect(other.locator('.new-articles')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('a correction reaches an open copy of the article in place, and a withdrawal tells its readers', async ({ browser }) => {
  const desk = await editor(browser, '编辑更正');
  const title = `需要更正的新闻 ${Date.now() % 100000}`;
  const id = await draft(desk, title, 'au', '初稿说气温是 25 度。');
  await call(desk, 'publish', { id, at: '' });

  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await register(page, '读者看更正');
  const problems = watchConsole(page);
  // The server subscribes the stream to the newsroom's changes before it answers, so once the
  // answer is here the correction below reaches this page as a change. (One made before the
  // stream is open comes as the stream's first frame: the next test.)
  const streamOpen = page.waitForResponse((r) => r.url().includes(`/api/comments/stream?article_id=${id}&`));
  await page.goto(`/article/${id}`);
  await waitForHydration(page);
  await streamOpen;
  await expect(page.locator('.article-body')).toContainText('25 度');
  // A comment being typed when the correction comes.
  await page.locator('#comment-body').fill('我正在写评论');
  await call(desk, 'save', { id, title: `${title}（更正）`, channel: 'au', summary: '摘要', source: '今日', original_url: '', body: '更正：气温是 28 度。' });
  await expect(page.locator('.article-body')).toContainText('28 度', { timeout: 10_000 });
  await expect(page.locator('.article-title')).toHaveText(`${title}（更正）`);
  await expect(page.locator('.live-notice')).toContainText('刚刚更新');
  await expect(page.locator('#comment-body')).toHaveValue('我正在写评论');
  // A second correction reaches it the same way.
  await call(desk, 'save', { id, title: `${title}（再更正）`, channel: 'au', summary: '摘要', source: '今日', original_url: '', body: '再更正：气温是 30 度。' });
  await expect(page.locator('.article-body')).toContainText('30 度', { timeout: 10_000 });
  await expect(page.locator('.article-title')).toHaveText(`${title}（再更正）`);
  await call(desk, 'withdraw', { id });
  await expect(page.locator('.live-notice.withdrawn')).toContainText('已被编辑撤下', { timeout: 10_000 });
  await expect(page.locator('.article-body')).not.toContainText('30 度');
  expect(problems).toEqual([]);
});

test('a correction made before the page\'s stream is open reaches the page when it opens', async ({ browser }) => {
  const desk = await editor(browser, '编辑抢先');
  const title = `抢先更正的新闻 ${Date.now() % 100000}`;
  const id = await draft(desk, title, 'life', '初稿说票价是 5 元。');
  await call(desk, 'publish', { id, at: '' });

  const page = await (await browser.newContext(PHONE)).newPage();
  const problems = watchConsole(page);
  // The page's stream is held back until the correction is saved: a page whose stream was
  // slow to open, or was reconnecting, when the newsroom changed the article.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = false;
  await page.route((url) => url.pathname === '/api/comments/stream', async (route) => {
    asked = true;
    await held;
    await route.continue();
  });
  await page.goto(`/article/${id}`);
  await waitForHydration(page);
  await expect.poll(() => asked).toBe(true);
  await expect(page.locator('.article-body')).toContainText('5 元');
  // Often within the same second as the publication the page shows: the correction is
  // stamped a second later all the same, so the page does not take it for its own copy.
  await call(desk, 'save', { id, title: `${title}（更正）`, channel: 'life', summary: '摘要', source: '今日', original_url: '', body: '更正：票价是 6 元。' });
  release();
  await expect(page.locator('.article-body')).toContainText('6 元', { timeout: 10_000 });
  await expect(page.locator('.article-title')).toHaveText(`${title}（更正）`);
  expect(problems).toEqual([]);
});
