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

/** Every box `locator` matches that is on screen, as `name: width x height`, when under 44 x 44. */
async function smallTargets(locator: import('@playwright/test').Locator): Promise<string[]> {
  return locator.evaluateAll((els) =>
    els
      .map((e) => [e.textContent?.trim() ?? '', e.getBoundingClientRect()] as const)
      .filter(([, b]) => b.width > 0 && (b.height < 44 || b.width < 44))
      .map(([t, b]) => `${t}: ${Math.round(b.width)}x${Math.round(b.height)}`),
  );
}

test('every control a thumb uses is at least 44 x 44 px, and the thread stays close', async ({ browser }) => {
  // A visitor: 登录/注册 in the top bar, the sort tabs, 赞 (a link to sign in), 回复, the footer.
  const v = await phoneReader(browser, null);
  const targets = v.page.locator(
    '.topbar a, .sort-tabs a, .comment-actions a, .comment-actions button, .footer-links a, .site-footer p a, .breadcrumb a, .article-meta a, .sign-in-prompt a',
  );
  expect(await targets.count()).toBeGreaterThan(15);
  expect(await smallTargets(targets)).toEqual([]);
  // Close, not sparse: a one-line comment with its actions stays under 120 px.
  const first = v.page.locator('ol.comments > li.comment').first();
  const height = await first.locator('> .comment-body').evaluate((e) => e.getBoundingClientRect().height);
  expect(height).toBeLessThanOrEqual(120);
  // 赞 shows a thumb icon before its count.
  const like = v.page.locator('.comment-actions > a').first();
  await expect(like).toHaveText(/^赞 \d+$/);
  const icon = await like.evaluate((e) => getComputedStyle(e, '::before').getPropertyValue('mask-image'));
  expect(icon).toContain('data:image/svg+xml');
  // The red channel bar is shared evenly: its links fill it edge to edge.
  const bar = await v.page.locator('.channels-inner').evaluate((e) => {
    const links = [...e.querySelectorAll('a')].map((a) => a.getBoundingClientRect());
    const box = e.getBoundingClientRect();
    return { left: links[0].left - box.left, right: box.right - links[links.length - 1].right };
  });
  expect(Math.abs(bar.left - 16)).toBeLessThanOrEqual(1);
  expect(Math.abs(bar.right - 16)).toBeLessThanOrEqual(1);
  expect(v.problems).toEqual([]);
  await v.context.close();

  // A signed-in reader: 退出, 赞 as a button, 删除 and its 确定删除 / 取消.
  const a = await phoneReader(browser, '大拇指读者');
  await a.page.locator('#comment-body').fill('手指点得到每个按钮');
  await a.page.getByRole('button', { name: '发表评论' }).click();
  const mine = a.page.locator('li.comment', { has: a.page.locator('.comment-text', { hasText: '手指点得到每个按钮' }) });
  await expect(mine).toHaveCount(1);
  const actions = mine.locator('> .comment-body .comment-actions');
  const own = a.page.locator('.topbar a, .topbar button, .comment-actions a, .comment-actions button');
  expect(await smallTargets(own)).toEqual([]);
  await actions.getByRole('link', { name: '删除', exact: true }).tap();
  await expect(actions.getByRole('button', { name: '确定删除' })).toBeVisible();
  expect(await smallTargets(actions.locator('a, button'))).toEqual([]);
  expect(a.problems).toEqual([]);
  await a.context.close();
});
