import { test, expect, Browser, Page } from '@playwright/test';
import * as path from 'path';
import { PHONE, jinriUser, register, siteTimeAhead, waitForHydration, watchConsole } from './helpers';

// The editor's path through the newsroom: write, check, save a draft, preview it, publish it,
// and see it reach readers; with JavaScript on at phone size, and as plain forms without it.

async function editorPage(browser: Browser, name: string, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
  const page = await context.newPage();
  await register(page, name);
  jinriUser('grant', name, 'editor');
  return page;
}

// Real JPEGs to upload: the link previews of two demo articles (1200 x 630).
const PHOTOS = ['easter-weekend-1.jpg', 'ev-china-1.jpg'].map((f) => path.join(__dirname, '../../public/images/og', f));

async function uploadFigure(page: Page, file: string, caption: string, credit: string) {
  await page.locator('#u-file').setInputFiles(file);
  await page.locator('#u-caption').fill(caption);
  await page.locator('#u-credit').fill(credit);
  await page.getByRole('button', { name: '上传图片' }).click();
}

async function fillArticle(page: Page, title: string) {
  await page.locator('#a-title').fill(title);
  await page.locator('#a-channel').selectOption('life');
  await page.locator('#a-summary').fill('悉尼本周末多个社区举办夏日市集。');
  await page.locator('#a-source').fill('今日');
  await page.locator('#a-body').fill('## 去哪里\n\n周六上午在 **Chatswood** 有*手作*摊位。\n\n> 主办方说：欢迎全家来玩。');
}

test('an editor writes, adds two figures, previews and schedules an article at phone size; an open channel page shows it live when its time comes', async ({ browser }) => {
  test.setTimeout(180_000);
  const page = await editorPage(browser, '编辑小许', true);
  const problems = watchConsole(page);
  // From the top bar, through the newsroom's list, to a new article.
  await page.goto('/about/contact');
  await waitForHydration(page);
  await page.locator('.topbar').getByRole('link', { name: '编辑部' }).click();
  await expect(page).toHaveURL('/admin/articles');
  await page.getByRole('link', { name: '写新文章' }).first().click();
  await expect(page).toHaveURL('/admin/articles/new');
  // The browser checks before sending: nothing reaches the server.
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page.locator('#a-title-error')).toHaveText('请输入标题');
  await expect(page).toHaveURL('/admin/articles/new');
  const title = `夏日市集周末开张 ${Date.now() % 100000}`;
  await fillArticle(page, title);
  await page.locator('#a-original_url').fill('javascript:alert(1)');
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page.locator('#a-original_url-error')).toContainText('http');
  await page.locator('#a-original_url').fill('');
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page).toHaveURL(/\/admin\/articles\/\d+/);
  await expect(page.locator('.article-state')).toContainText('草稿');
  const id = page.url().match(/\/admin\/articles\/(\d+)/)![1];

  // Two figures: the browser checks first (nothing chosen), then each upload lists it.
  await page.locator('#u-caption').fill('没有选图片');
  await page.getByRole('button', { name: '上传图片' }).click();
  await expect(page.locator('#u-file-error')).toHaveText('请选择要上传的图片');
  await uploadFigure(page, PHOTOS[0], '复活节长周末的海滩', '今日记者 王明 摄');
  await expect(page.locator('.figure-list .figure-item')).toHaveCount(1);
  await uploadFigure(page, PHOTOS[1], '展厅里的电动车', '新华社');
  await expect(page.locator('.figure-list .figure-item')).toHaveCount(2);
  await expect(page.locator('#figure-2-caption')).toHaveValue('展厅里的电动车');
  await page.locator('#a-body').fill('## 去哪里\n\n[图2]\n\n周六上午在 **Chatswood** 有*手作*摊位。\n\n> 主办方说：欢迎全家来玩。\n\n[图1]');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await expect(page.locator('.revisions .revision')).toHaveCount(2);

  // A reader gets a 404; the editor's preview is the reader's page, marked.
  const guest = await browser.newContext(PHONE);
  const reader = await guest.newPage();
  expect((await reader.goto(`/article/${id}`))!.status()).toBe(404);
  await page.getByRole('link', { name: '预览（读者看到的样子）' }).click();
  await expect(page.locator('.draft-notice')).toContainText('草稿');
  await expect(page.locator('.article-body h2')).toHaveText('去哪里');
  await expect(page.locator('.article-body strong')).toHaveText('Chatswood');
  await expect(page.locator('.article-body blockquote')).toContainText('欢迎全家来玩');
  // The figures where [图N] put them, each with its widths and its credit.
  const figures = page.locator('.article-body figure');
  await expect(figures).toHaveCount(2);
  await expect(figures.nth(0).locator('figcaption')).toContainText('展厅里的电动车');
  await expect(figures.nth(0).locator('.credit')).toHaveText('图片来源：新华社');
  await expect(figures.nth(1).locator('.credit')).toHaveText('图片来源：今日记者 王明 摄');
  expect(await figures.nth(0).locator('img').getAttribute('srcset')).toMatch(/^\/media\/[0-9a-f]{32}\.jpg 480w, \/media\/[0-9a-f]{32}\.jpg 960w, \/media\/[0-9a-f]{32}\.jpg 1200w$/);
  await figures.nth(1).scrollIntoViewIfNeeded();
  await expect.poll(() => figures.nth(1).locator('img').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/writing-preview.png', fullPage: false });

  // Scheduled in the site's time zone; a reader's open channel page hears it when its time
  // comes, and a click brings it in.
  await reader.goto('/channel/life');
  await waitForHydration(reader);
  await page.goto(`/admin/articles/${id}`);
  await waitForHydration(page);
  await page.locator('#a-at').fill(siteTimeAhead(35));
  await page.getByRole('button', { name: '发布', exact: true }).click();
  await expect(page.locator('.article-state')).toContainText('定时发布');
  await expect(page.locator('.revisions .revision')).toHaveCount(2);
  await expect(reader.getByRole('link', { name: title })).toHaveCount(0);
  const fresh = reader.getByRole('button', { name: '1 篇新文章' });
  await expect(fresh).toBeVisible({ timeout: 110_000 });
  await fresh.click();
  await expect(reader.getByRole('link', { name: title }).first()).toBeVisible();
  await page.reload();
  await expect(page.locator('.article-state')).toContainText('已发布');
  expect((await reader.goto(`/article/${id}`))!.status()).toBe(200);
  await expect(reader.locator('.draft-notice')).toHaveCount(0);
  expect(problems).toEqual([]);
  await guest.close();
});

test.describe('with JavaScript off', () => {
  test('an editor writes and publishes with plain forms, and a refused save keeps what was typed', async ({ browser }) => {
    const page = await editorPage(browser, '编辑老杜', false);
    await page.goto('/admin/articles/new');
    const title = `社区图书馆延长开放 ${Date.now() % 100000}`;
    await fillArticle(page, title);
    await page.locator('#a-body').fill('正文第一段。\n\n[图1]');
    await page.getByRole('button', { name: '保存草稿' }).click();
    await expect(page).toHaveURL('/admin/articles/new');
    await expect(page.locator('#a-body-error')).toContainText('[图1] 没有对应的图片');
    await expect(page.locator('#a-title')).toHaveValue(title);
    await expect(page.locator('#a-body')).toHaveValue('正文第一段。\n\n[图1]');
    await page.locator('#a-body').fill('正文第一段。');
    await page.getByRole('button', { name: '保存草稿' }).click();
    await expect(page).toHaveURL(/\/admin\/articles\/\d+$/);
    // A figure as a plain multipart post; a refused one comes back with its message and words.
    await page.locator('#u-file').setInputFiles(PHOTOS[0]);
    await page.locator('#u-caption').fill('图书馆的阅览室');
    await page.getByRole('button', { name: '上传图片' }).click();
    await expect(page.locator('#u-credit-error')).toHaveText('请填写图片来源');
    await expect(page.locator('#u-caption')).toHaveValue('图书馆的阅览室');
    await uploadFigure(page, PHOTOS[0], '图书馆的阅览室', '今日记者 李华 摄');
    await expect(page.locator('.figure-list .figure-item')).toHaveCount(1);
    await page.locator('#a-body').fill('正文第一段。\n\n[图1]');
    await page.getByRole('button', { name: '保存', exact: true }).click();
    await expect(page.locator('.revisions .revision')).toHaveCount(2);
    await page.getByRole('button', { name: '发布', exact: true }).click();
    await expect(page.locator('.article-state')).toContainText('已发布');
    const guest = await browser.newContext(PHONE);
    const reader = await guest.newPage();
    await reader.goto('/channel/life');
    await expect(reader.getByRole('link', { name: title }).first()).toBeVisible();
    await reader.getByRole('link', { name: title }).first().click();
    await expect(reader.locator('.article-body figure .credit')).toHaveText('图片来源：今日记者 李华 摄');
    await guest.close();
  });
});
