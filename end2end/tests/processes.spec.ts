import { test, expect, Browser } from '@playwright/test';
import { pgURLs } from '../playwright.config';
import { waitForHydration, watchConsole, deleteComment } from './helpers';

// Two server processes on one PostgreSQL database (playwright.config.ts starts them when
// JINRI_E2E_PG_URL names a database; scripts/test.sh makes one in a throwaway cluster). One
// reader uses the first process, the other the second: every change reaches the other page live.
const PASSWORD = '今日新闻真好看2021';
const ARTICLE = '/article/2';

async function readerOn(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  return { context, page, problems: watchConsole(page) };
}

test('a comment, reply, like and deletion made through one process appear live on a page served by another', async ({
  browser,
}) => {
  // playwright.config.ts runs this file only when the PostgreSQL servers are there.
  const [first, second] = pgURLs!;
  const a = await readerOn(browser, first);
  const b = await readerOn(browser, second);
  await a.page.goto(`/register?next=${encodeURIComponent(ARTICLE)}`);
  await a.page.locator('#name').fill('一号进程读者');
  await a.page.locator('#password').fill(PASSWORD);
  await a.page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(a.page).toHaveURL(`${first}${ARTICLE}`);
  await waitForHydration(a.page);
  await b.page.goto(ARTICLE);
  await waitForHydration(b.page);
  const count = async () => Number((await b.page.locator('.comments-count').innerText()).replace(/[^0-9]/g, ''));
  const before = await count();

  await a.page.locator('#comment-body').fill('经由一号进程的评论');
  await a.page.getByRole('button', { name: '发表评论' }).click();
  const seen = b.page.locator('.comment-text', { hasText: '经由一号进程的评论' });
  await expect(seen).toHaveCount(1);
  await expect(b.page.locator('.comments-count')).toHaveText(`最新评论（${before + 1}）`);

  const mine = a.page.locator('li.comment', { has: a.page.locator('.comment-text', { hasText: '经由一号进程的评论' }) });
  const id = await mine.first().getAttribute('id');
  await a.page.waitForTimeout(1100); // one post per second on the e2e servers
  await a.page.locator(`#${id} .comment-actions`).first().getByRole('link', { name: '回复' }).click();
  await a.page.locator(`#reply-body-${id!.slice(1)}`).fill('经由一号进程的回复');
  await a.page.getByRole('button', { name: '发表回复' }).click();
  await expect(b.page.locator(`#${id} .replies .comment-text`, { hasText: '经由一号进程的回复' })).toHaveCount(1);

  await a.page.locator(`#${id} > .comment-body .comment-actions`).getByRole('button', { name: /^赞/ }).click();
  await expect(b.page.locator(`#${id} > .comment-body .comment-actions`).getByRole('link', { name: /^赞/ })).toHaveText('赞 1');
  await deleteComment(a.page.locator(`#${id} > .comment-body .comment-actions`));
  await expect(b.page.locator(`#${id} > .comment-body .comment-text`)).toHaveText('该评论已删除');

  expect(a.problems).toEqual([]);
  expect(b.problems).toEqual([]);
  await a.context.close();
  await b.context.close();
});
