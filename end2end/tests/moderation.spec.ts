import { test, expect, Browser, BrowserContext, Page } from '@playwright/test';
import { PHONE, jinriUser, register, waitForHydration, watchConsole } from './helpers';

// Moderation with two browsers on one article: a reader reports a comment, the moderator's open
// queue shows it without a reload, the moderator hides it, and the reader's open page shows it
// hidden without a reload. The same hide works with JavaScript off, as a plain form post.

async function member(browser: Browser, name: string, role?: string, javaScript = true): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled: javaScript });
  const page = await context.newPage();
  await register(page, name);
  if (role) jinriUser('grant', name, role);
  return { context, page };
}

/** Posts a comment on article `id` through the page's own form; returns its element. */
async function comment(page: Page, article: string, text: string) {
  await page.goto(`/article/${article}`);
  await waitForHydration(page);
  await page.locator('#comment-body').fill(text);
  await page.getByRole('button', { name: '发表评论' }).click();
  const item = page.locator('li.comment', { hasText: text }).first();
  await expect(item).toBeVisible();
  return item;
}

test('a report reaches the open queue live, and the hide reaches the reader\'s open page live', async ({ browser }) => {
  test.setTimeout(90_000);
  const stamp = Date.now() % 100000;
  const text = `加微信领红包 ${stamp}`;
  const author = await member(browser, `guanggao${stamp}`);
  await comment(author.page, '3', text);

  const reader = await member(browser, `读者举报${stamp}`);
  const readerProblems = watchConsole(reader.page);
  await reader.page.goto('/article/3');
  await waitForHydration(reader.page);

  const moderator = await member(browser, `zhou_mod${stamp}`, 'moderator');
  const modProblems = watchConsole(moderator.page);
  await moderator.page.goto('/admin/moderation');
  await waitForHydration(moderator.page).catch((e) => { throw new Error(`${e}\n${modProblems.join('\n')}`); });
  await expect(moderator.page.getByRole('heading', { name: '审核队列' })).toBeVisible();
  await expect(moderator.page.locator('.queue-item', { hasText: text })).toHaveCount(0);
  await expect(moderator.page.getByText('没有待处理的评论。')).toBeVisible();

  // The reader reports it: a form in place, told it was received.
  const cid = await reader.page.locator('li.comment', { hasText: text }).first().getAttribute('id');
  const item = reader.page.locator(`li#${cid}`);
  await item.getByRole('link', { name: '举报' }).click();
  const form = item.locator('form.report-form');
  await expect(form).toBeVisible();
  await form.getByText('垃圾广告').click();
  await form.getByRole('button', { name: '提交举报' }).click();
  await expect(item.getByText('已收到您的举报')).toBeVisible();

  // The moderator's open queue shows it within a second or two, with its reason.
  const queued = moderator.page.locator('ol[aria-labelledby="queue-heading"] .queue-item', { hasText: text });
  await expect(queued).toBeVisible({ timeout: 5_000 });
  await expect(queued).toContainText('被举报 1 次：垃圾广告');
  await moderator.page.screenshot({ path: 'test-results/moderation-queue.png', fullPage: true });

  // Hidden: the reader's open page shows it hidden, no reload.
  const marker = await reader.page.evaluate(() => ((window as any).__stillHere = Date.now()));
  const started = Date.now();
  await queued.getByRole('button', { name: '隐藏' }).click();
  await expect(item.getByText('该评论已被管理员隐藏')).toBeVisible({ timeout: 5_000 });
  const elapsed = Date.now() - started;
  console.log(`report-to-hidden-everywhere: hidden on the reader's open page ${elapsed} ms after the click`);
  await expect(item).not.toContainText(text);
  expect(await reader.page.evaluate(() => (window as any).__stillHere)).toBe(marker);
  await expect(queued).toHaveCount(0);
  await expect(moderator.page.locator('ol[aria-labelledby="hidden-heading"] .queue-item', { hasText: '已隐藏' }).first()).toContainText(text);
  await reader.page.screenshot({ path: 'test-results/moderation-hidden.png' });
  expect(readerProblems).toEqual([]);
  expect(modProblems).toEqual([]);
});

test('without JavaScript a reader reports and a moderator hides through plain forms', async ({ browser }) => {
  const stamp = Date.now() % 100000;
  const text = `无脚本的坏评论 ${stamp}`;
  const author = await member(browser, `作者无脚本${stamp}`);
  await comment(author.page, '4', text);

  const reader = await member(browser, `读者无脚本${stamp}`, undefined, false);
  await reader.page.goto('/article/4');
  const item = reader.page.locator('li.comment', { hasText: text }).first();
  await item.getByRole('link', { name: '举报' }).click();
  await expect(reader.page).toHaveURL(/\?sort=new&report=\d+#c\d+$/);
  const form = reader.page.locator('form.report-form');
  // 其他 without words is refused, and comes back with the message.
  await form.getByText('其他', { exact: true }).click();
  await form.getByRole('button', { name: '提交举报' }).click();
  await expect(reader.page.locator('form.report-form .field-error')).toContainText('请写明原因');
  await reader.page.locator('form.report-form').getByText('辱骂').click();
  await reader.page.locator('form.report-form').getByRole('button', { name: '提交举报' }).click();
  await expect(reader.page).toHaveURL(/\?reported=\d+#c\d+$/);
  await expect(reader.page.getByText('已收到您的举报')).toBeVisible();

  const moderator = await member(browser, `wu_mod${stamp}`, 'moderator', false);
  await moderator.page.goto('/admin/moderation');
  const queued = moderator.page.locator('ol[aria-labelledby="queue-heading"] .queue-item', { hasText: text });
  await expect(queued).toContainText('被举报 1 次：辱骂');
  await queued.getByRole('button', { name: '隐藏' }).click();
  await expect(moderator.page).toHaveURL(/\/admin\/moderation#q\d+$/);
  await expect(moderator.page.locator('ol[aria-labelledby="hidden-heading"] .queue-item', { hasText: '已隐藏' }).first()).toContainText(text);
  await reader.page.goto('/article/4');
  await expect(reader.page.locator('li.comment', { hasText: '该评论已被管理员隐藏' }).first()).toBeVisible();
  await expect(reader.page.getByText(text)).toHaveCount(0);
});
