// The reader's hands at phone size: what a thumb does to the comment thread.
import { test, expect, Browser } from '@playwright/test';
import { waitForHydration, watchConsole } from './helpers';

const PASSWORD = '今日新闻真好看2021';
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const ARTICLE = '/article/6';

async function phoneReader(browser: Browser, name: string | null, javaScriptEnabled = true) {
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
  const page = await context.newPage();
  const problems = watchConsole(page);
  if (name) {
    await page.goto(`/register?next=${encodeURIComponent(ARTICLE)}`);
    await page.locator('#name').fill(name);
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: '注册', exact: true }).click();
    await expect(page).toHaveURL(ARTICLE);
  } else {
    await page.goto(ARTICLE);
  }
  if (javaScriptEnabled) await waitForHydration(page);
  return { context, page, problems };
}

test('删除 asks first; 取消 keeps the comment; a deleted comment nothing answers leaves every open page', async ({
  browser,
}) => {
  const a = await phoneReader(browser, '手指删评论');
  const b = await phoneReader(browser, null);
  await a.page.locator('#comment-body').fill('这条评论马上要删');
  await a.page.getByRole('button', { name: '发表评论' }).click();
  const mine = a.page.locator('li.comment', { has: a.page.locator('.comment-text', { hasText: '这条评论马上要删' }) });
  await expect(mine).toHaveCount(1);
  const id = await mine.getAttribute('id');
  await expect(b.page.locator(`#${id}`)).toHaveCount(1);
  const actions = a.page.locator(`#${id} > .comment-body .comment-actions`);

  // A tap on 删除 only asks.
  await actions.getByRole('link', { name: '删除', exact: true }).tap();
  await expect(actions.locator('.confirm-delete')).toBeVisible();
  await expect(actions.locator('.confirm-delete')).toContainText('删除这条评论？');
  await expect(a.page).toHaveURL(ARTICLE); // asked in place, no page change
  await actions.getByRole('link', { name: '取消' }).tap();
  await expect(actions.locator('.confirm-delete')).toBeHidden();
  await expect(a.page.locator(`#${id} .comment-text`)).toHaveText('这条评论马上要删');

  await actions.getByRole('link', { name: '删除', exact: true }).tap();
  await actions.getByRole('button', { name: '确定删除' }).tap();
  // Nothing answers it: it leaves the thread, here and on the other open page, with no
  // 该评论已删除 row.
  await expect(a.page.locator(`#${id}`)).toHaveCount(0);
  await expect(b.page.locator(`#${id}`)).toHaveCount(0);
  await expect(b.page.locator('.comment-text', { hasText: '该评论已删除' })).toHaveCount(0);
  await a.page.reload();
  await expect(a.page.locator(`#${id}`)).toHaveCount(0);

  expect(a.problems).toEqual([]);
  expect(b.problems).toEqual([]);
  await a.context.close();
  await b.context.close();
});

test('without JavaScript, 删除 leads to the same question and 确定删除 removes the comment', async ({ browser }) => {
  const a = await phoneReader(browser, '无脚本删评论', false);
  await a.page.locator('#comment-body').fill('不用脚本也能删');
  await a.page.getByRole('button', { name: '发表评论' }).click();
  await expect(a.page).toHaveURL(new RegExp(`${ARTICLE}#c\\d+$`));
  const id = new URL(a.page.url()).hash.slice(1);
  const actions = a.page.locator(`#${id} > .comment-body .comment-actions`);

  await actions.getByRole('link', { name: '删除', exact: true }).click();
  await expect(a.page).toHaveURL(new RegExp(`\\?sort=new&delete=${id.slice(1)}#${id}$`));
  await expect(actions.locator('.confirm-delete')).toBeVisible();
  await expect(actions.locator('.confirm-delete')).toContainText('删除这条评论？');
  await actions.getByRole('link', { name: '取消' }).click();
  await expect(a.page).not.toHaveURL(/delete=/);
  await expect(actions.locator('.confirm-delete')).toBeHidden();

  await actions.getByRole('link', { name: '删除', exact: true }).click();
  await actions.getByRole('button', { name: '确定删除' }).click();
  await expect(a.page).not.toHaveURL(/delete=/);
  await expect(a.page.locator(`#${id}`)).toHaveCount(0);
  await expect(a.page.locator('.comment-text', { hasText: '不用脚本也能删' })).toHaveCount(0);
  await a.context.close();
});
