import { test, expect } from '@playwright/test';
import { abuseURL } from '../playwright.config';
import { waitForHydration, watchConsole } from './helpers';

// The second server (playwright.config.ts), over a database with a reply chain 10,000 deep.
test.use({ baseURL: abuseURL });

test('a reply chain ten thousand deep hydrates, shows its thread, expands, and the server keeps answering', async ({
  page,
  request,
}) => {
  const problems = watchConsole(page);
  await page.goto('/');
  const href = await page.getByRole('link', { name: '压力测试:10000层的回复链', exact: true }).first().getAttribute('href');
  expect(href).toMatch(/^\/article\/\d+$/);
  await page.goto(href!);
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const thread = page.locator('ol.comments > li.comment').first();
  await expect(thread.locator('.comment-text').first()).toHaveText('一条很深的回复链从这里开始');
  const replies = thread.locator('.replies > li.comment');
  await expect(replies.locator('.comment-text')).toHaveText(['第1层回复', '第2层回复', '第3层回复']);
  await expect(replies.nth(1).locator('.reply-to')).toHaveText(/^回复 @楼层读者\d$/);
  const more = thread.locator('.more-replies a');
  await expect(more).toHaveText('展开更多回复（还有9996条）');
  await more.click();
  await expect(replies).toHaveCount(53);
  await expect(replies.last().locator('.comment-text')).toHaveText('第53层回复');
  await expect(more).toHaveText('展开更多回复（还有9946条）');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect((await request.get('/healthz')).status()).toBe(200);
  expect((await request.get(href!)).status()).toBe(200);
  expect(problems).toEqual([]);
});
