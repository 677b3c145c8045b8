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

test('on phones the header is one sticky bar of at most 56 px, its facts folded behind ⋯', async ({ browser }) => {
  const v = await phoneReader(browser, null);
  const header = v.page.locator('.site-header');
  expect((await header.boundingBox())!.height).toBeLessThanOrEqual(56);
  // It stays at the top while the reader scrolls.
  await v.page.evaluate(() => window.scrollTo(0, 1500));
  await expect.poll(async () => (await header.boundingBox())!.y).toBe(0);
  // The facts are folded; ⋯ unfolds them.
  await expect(v.page.locator('.facts-inline .rate')).toBeHidden();
  await v.page.locator('.facts-fold summary').tap();
  await expect(v.page.locator('.facts-panel')).toBeVisible();
  await expect(v.page.locator('.facts-panel')).toContainText('澳元 : 人民币=');
  await expect(v.page.locator('.facts-panel .app-link')).toBeVisible();
  expect(await smallTargets(v.page.locator('.site-header a, .site-header button, .facts-fold summary'))).toEqual([]);
  // A link to a place below is not hidden under the bar.
  await v.page.locator('.facts-fold summary').tap();
  await v.page.locator('.article-meta .comment-count').tap();
  await expect.poll(async () => (await v.page.locator('#comments').boundingBox())!.y).toBeGreaterThanOrEqual(56);
  expect(v.problems).toEqual([]);
  await v.context.close();
});

test('on desktops the channel bar spans the width evenly and an article has a side column of 热门 and of its channel', async ({
  browser,
}) => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(ARTICLE);
  await waitForHydration(page);
  const bar = await page.locator('.channels-inner').evaluate((e) => {
    const links = [...e.querySelectorAll('a')].map((a) => a.getBoundingClientRect());
    const box = e.getBoundingClientRect();
    return { left: links[0].left - box.left, right: box.right - links[links.length - 1].right };
  });
  expect(Math.abs(bar.left - 16)).toBeLessThanOrEqual(1);
  expect(Math.abs(bar.right - 16)).toBeLessThanOrEqual(1);
  const article = (await page.locator('article.article').boundingBox())!;
  const side = (await page.locator('.article-side').boundingBox())!;
  expect(side.x).toBeGreaterThan(article.x + article.width);
  expect(side.y).toBeLessThan(article.y + 200);
  const channel = await page.locator('.breadcrumb a').nth(1).textContent();
  const title = await page.locator('.article-title').textContent();
  // 热门: five of the most commented articles, never the page's own.
  await expect(page.locator('#side-hot-heading')).toHaveText('热门');
  const hot = page.locator('section[aria-labelledby="side-hot-heading"] .side-list a');
  await expect(hot).toHaveCount(5);
  expect(await hot.allTextContents()).not.toContain(title);
  await expect(page.locator('#related-heading')).toHaveText(`${channel}·最新`);
  const related = page.locator('section[aria-labelledby="related-heading"] .side-list a');
  expect(await related.count()).toBeGreaterThan(0);
  // Every one of them is an article of the same channel, reached through the router.
  const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  await related.first().click();
  await expect(page.locator('.breadcrumb a').nth(1)).toHaveText(channel!);
  expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(before);
  // The first of 热门 leads to its article the same way.
  const first = await hot.first().textContent();
  await hot.first().click();
  await expect(page.locator('.article-title')).toHaveText(first!);
  expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(before);
  expect(problems).toEqual([]);
  await context.close();
});

test('a slow page change shows the progress bar; a sending button shows it is busy; a rate limit counts down and clears', async ({
  browser,
}) => {
  const a = await phoneReader(browser, '等待的读者');
  // The next article's data is held back a second: the bar shows after 150 ms, then goes.
  await a.page.route('**/api/articles/get**', async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.continue();
  });
  const bar = a.page.locator('.route-progress');
  await expect(bar).toBeHidden();
  await a.page.locator('.article-pager a').first().tap();
  await expect(bar).toBeVisible();
  await expect.poll(() => bar.evaluate((e) => getComputedStyle(e).opacity)).toBe('1');
  await expect(bar).toBeHidden({ timeout: 5000 });
  await a.page.unroute('**/api/articles/get**');

  // 发表评论 shows it is busy while its request is on the way.
  await a.page.route('**/api/comments/post', async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
  });
  const button = a.page.getByRole('button', { name: '发表评论' });
  await a.page.locator('#comment-body').fill('慢慢发出去的评论');
  await button.tap();
  await expect(button).toHaveAttribute('aria-busy', 'true');
  await expect(button).toBeDisabled();
  await expect(a.page.locator('.comment-text', { hasText: '慢慢发出去的评论' })).toHaveCount(1);
  await expect(button).not.toHaveAttribute('aria-busy', 'true');
  await a.page.unroute('**/api/comments/post');

  // Too soon after: the rate limit's message counts down, keeps the button off, and clears itself.
  // (The e2e server allows a post a second: post until one comes too soon.)
  // The message and the button are read together, in one turn of the page: the countdown is
  // at most a second here, and a slow machine could otherwise see it already cleared.
  const error = a.page.locator('#comment-error');
  const seen = () =>
    a.page.evaluate(() => ({
      text: document.getElementById('comment-error')?.textContent ?? '',
      disabled: (document.querySelector('#comment-form button[type=submit]') as HTMLButtonElement | null)?.disabled,
    }));
  let shown = { text: '', disabled: undefined as boolean | undefined };
  for (let i = 0; i < 8 && !shown.text.includes('操作太频繁'); i++) {
    await a.page.locator('#comment-body').fill(`马上又发一条${i}`);
    await button.tap();
    await expect(button).not.toHaveAttribute('aria-busy', 'true'); // its answer came
    shown = await seen();
  }
  expect(shown.text).toMatch(/^操作太频繁，请 \d+ 秒后再试$/);
  expect(shown.disabled).toBe(true);
  await expect(error).toHaveText('', { timeout: 5000 });
  await expect(button).toBeEnabled();
  await expect(a.page.locator('#comment-body')).toHaveValue(/^马上又发一条\d$/);
  // The refused post's 429 is the one error the console may show.
  expect(a.problems.filter((p) => !p.includes('status of 429'))).toEqual([]);
  await a.context.close();
});

test('type and focus: full-width punctuation, h1 above h2 everywhere, e-mail links, Chinese messages for empty fields', async ({
  browser,
}) => {
  const v = await phoneReader(browser, null);
  const pages = ['/', '/channel/au', ARTICLE, '/about/contact', '/about/privacy', '/app', '/sitemap', '/login', '/register', '/nope'];
  for (const path of pages) {
    await v.page.goto(path);
    // No half-width , ? : ; between Chinese characters in what the site itself writes (article
    // text and comments are the writers' own).
    const text = await v.page.evaluate(() => {
      const skip = document.querySelectorAll('.article-body, .comment-text, .item-title, .item-summary, .article-title, .hot, .side-list, .article-pager, .sitemap li, title');
      const parts: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const tag = n.parentElement?.tagName;
        if (tag !== 'SCRIPT' && tag !== 'STYLE' && ![...skip].some((s) => s.contains(n))) parts.push(n.textContent ?? '');
      }
      return parts.join('|');
    });
    expect(text, path).not.toMatch(/[\u4e00-\u9fff][,?:;!]|[,?;][\u4e00-\u9fff]/);
    // h1 is larger than every h2.
    const sizes = await v.page.evaluate(() => ({
      h1: [...document.querySelectorAll('h1')].map((h) => parseFloat(getComputedStyle(h).fontSize)),
      h2: [...document.querySelectorAll('h2')].map((h) => parseFloat(getComputedStyle(h).fontSize)),
    }));
    expect(sizes.h1.length, path).toBe(1);
    for (const h2 of sizes.h2) expect(sizes.h1[0], path).toBeGreaterThan(h2);
  }
  // Every e-mail address shown is a link.
  for (const path of ['/about/contact', '/about/business', '/about/privacy', '/about/jobs']) {
    await v.page.goto(path);
    const bare = await v.page.evaluate(() =>
      [...document.querySelectorAll('main, footer')].flatMap((root) => {
        const out: string[] = [];
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (/@/.test(n.textContent ?? '') && !n.parentElement?.closest('a[href^="mailto:"]')) out.push(n.textContent!);
        }
        return out;
      }),
    );
    expect(bare, path).toEqual([]);
  }
  await v.context.close();

  // An empty field is named in Chinese beside it, with JavaScript and without (never the
  // browser's own bubble).
  for (const javaScriptEnabled of [true, false]) {
    const r = await phoneReader(browser, null, javaScriptEnabled);
    await r.page.goto('/login');
    if (javaScriptEnabled) await waitForHydration(r.page);
    await expect(r.page.locator('#name')).not.toHaveAttribute('required', /.*/);
    await r.page.getByRole('button', { name: '登录', exact: true }).click();
    await expect(r.page.locator('#name-error')).toHaveText('请输入用户名');
    await r.page.locator('#name').fill('有名字的人');
    await r.page.getByRole('button', { name: '登录', exact: true }).click();
    await expect(r.page.locator('#password-error')).toHaveText('请输入密码');
    await r.context.close();
  }
});

/** A reader registered through the API in a context of its own (cookies kept there), who
 * posts top-level comments on `article`. */
async function apiWriter(browser: Browser, name: string) {
  const context = await browser.newContext();
  const r = await context.request.post('/api/auth/register', { form: { name, password: PASSWORD } });
  expect(r.status()).toBe(200);
  return {
    context,
    post: async (article: string, body: string, parent = '') => {
      const resp = await context.request.post('/api/comments/post', {
        form: { article_id: article.split('/').pop()!, parent_id: parent, body },
      });
      expect(resp.status(), await resp.text()).toBe(200);
      return (await resp.json()).id as number;
    },
  };
}

/** 21 top-level comments on `article` (`text(1)` … `text(21)`) from three API writers, one post
 * a second each: more than one page. Returns the writers. */
async function postTwentyOne(browser: Browser, names: string[], article: string, text: (n: number) => string) {
  const writers = await Promise.all(names.map((n) => apiWriter(browser, n)));
  for (let round = 0; round < 7; round++) {
    if (round) await new Promise((r) => setTimeout(r, 1100));
    await Promise.all(writers.map((w, k) => w.post(article, text(round * 3 + k + 1))));
  }
  return writers;
}

test('live arrivals are announced: 有 N 条新评论 while reading the list, replies in place, a screen-reader line', async ({
  browser,
}) => {
  const article = '/article/9';
  const w = await apiWriter(browser, '新评论作者');
  const first = await w.post(article, '先有一条评论');
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(article);
  await waitForHydration(page);
  const live = page.locator('.comments-section p[aria-live="polite"]');

  // Above the list (still reading the article): a new comment shows in its place at once.
  await new Promise((r) => setTimeout(r, 1100));
  await w.post(article, '读文章时来的评论');
  await expect(page.locator('.comment-text', { hasText: '读文章时来的评论' })).toHaveCount(1);
  await expect(live).toHaveText('新评论作者发表了新评论');
  await expect(page.locator('.new-comments')).toHaveCount(0);

  // Inside the list: it waits behind 有 N 条新评论 instead of pushing the thread down.
  await page.evaluate(() => {
    const ol = document.querySelector('ol.comments')!;
    window.scrollTo(0, ol.getBoundingClientRect().top + window.scrollY + 30);
  });
  const y = await page.evaluate(() => window.scrollY);
  for (const text of ['滚动后来的第一条', '滚动后来的第二条']) {
    await new Promise((r) => setTimeout(r, 1100));
    await w.post(article, text);
  }
  const banner = page.getByRole('button', { name: '有2条新评论' });
  await expect(banner).toBeVisible();
  await expect(banner).toBeInViewport();
  await expect(page.locator('.comment-text', { hasText: '滚动后来的' })).toHaveCount(0);
  expect(await page.evaluate(() => window.scrollY)).toBe(y);
  // A reply shows in its place, held or not.
  await new Promise((r) => setTimeout(r, 1100));
  await w.post(article, '一条实时回复', String(first));
  await expect(page.locator(`#c${first} .replies .comment-text`, { hasText: '一条实时回复' })).toHaveCount(1);
  await expect(live).toHaveText('新评论作者发表了新回复');
  // A tap shows them, the newest scrolled to and marked.
  await banner.tap();
  await expect(page.locator('.new-comments')).toHaveCount(0);
  const newest = page.locator('li.comment', { has: page.locator('.comment-text', { hasText: '滚动后来的第二条' }) });
  await expect(newest).toBeInViewport();
  await expect(newest).toHaveAttribute('data-arrived', '');
  await expect(page.locator('.comment-text', { hasText: '滚动后来的第一条' })).toHaveCount(1);
  expect(problems).toEqual([]);
  await context.close();
  await w.context.close();
});

test('in 最早 order with pages not loaded, a new comment waits at the end, not as the 21st', async ({ browser }) => {
  const article = '/article/16';
  // 21 top-level comments from three writers (one post a second each): two pages in 最早 order.
  const writers = await postTwentyOne(browser, ['最早甲', '最早乙', '最早丙'], article, (n) => `第${n}条早评`);
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(`${article}?sort=old`);
  await waitForHydration(page);
  const items = page.locator('ol.comments > li.comment');
  await expect(items).toHaveCount(20);
  await new Promise((r) => setTimeout(r, 1100));
  await writers[0].post(article, '最后来的一条');
  const more = page.locator('.load-more');
  await expect(more).toHaveText('加载更多（最后有1条新评论）');
  await expect(page.locator('.comments-count')).toHaveText('最早评论（22）');
  await expect(items).toHaveCount(20);
  await expect(page.locator('.comment-text', { hasText: '最后来的一条' })).toHaveCount(0);
  // While a load is on its way the control says so and a second tap sends nothing more; a load
  // that fails says why beside the control, which stays for another try.
  const failure = page.locator('.comments-section > p.field-error[role=alert]');
  let lists = 0;
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/api/comments/list', async (route) => {
    lists += 1;
    await held;
    await route.abort();
  });
  await more.tap();
  await expect(more).toHaveText('正在加载…');
  await expect(more).toHaveAttribute('aria-busy', 'true');
  await more.tap();
  release();
  await expect(failure).toHaveText('没有加载出来：网络错误，请检查连接后重试');
  expect(lists).toBe(1);
  await expect(more).toHaveText('加载更多（最后有1条新评论）');
  await expect(more).not.toHaveAttribute('aria-busy', 'true');
  await expect(items).toHaveCount(20);
  await page.unroute('**/api/comments/list');
  // Loading the rest brings it, at the end.
  await more.tap();
  await expect(items).toHaveCount(22);
  await expect(items.last().locator('.comment-text')).toHaveText('最后来的一条');
  await expect(page.locator('.load-more')).toHaveCount(0);
  await expect(failure).toBeEmpty();
  // The browser reports the refused request; nothing else went wrong.
  expect(problems.filter((p) => !p.includes('Failed to load resource'))).toEqual([]);
  await context.close();
  for (const w of writers) await w.context.close();
});

test('回复 opens a box under the comment; Esc and 取消 keep the draft; the reply shows in its place, marked', async ({
  browser,
}) => {
  const article = '/article/7';
  const w = await apiWriter(browser, '被回复的人');
  const root = await w.post(article, '请在这里回复我');
  const a = await phoneReader(browser, '就地回复者');
  await a.page.goto(article);
  await waitForHydration(a.page);
  const b = await phoneReader(browser, null);
  await b.page.goto(article);
  await waitForHydration(b.page);

  const item = a.page.locator(`#c${root}`);
  await item.locator('> .comment-body .comment-actions').getByRole('link', { name: '回复' }).tap();
  const box = item.locator('.reply-form');
  await expect(box).toBeVisible();
  await expect(box.locator('textarea')).toBeFocused();
  await expect(box).toContainText('回复 @被回复的人');
  // Right under the comment it answers; the form at the top stays a new-comment form.
  const actions = (await item.locator('> .comment-body .comment-actions').boundingBox())!;
  const boxAt = (await box.boundingBox())!;
  // (The actions' 44 px targets overlap the space under them by 10 px.)
  expect(boxAt.y).toBeGreaterThanOrEqual(actions.y + actions.height - 12);
  expect(boxAt.y - (actions.y + actions.height)).toBeLessThan(40);
  await expect(a.page.locator('#comment-form .replying')).toHaveCount(0);

  // Esc closes it and keeps the draft; so does 取消.
  await box.locator('textarea').fill('先写一半');
  await box.locator('textarea').press('Escape');
  await expect(box).toHaveCount(0);
  await item.locator('> .comment-body .comment-actions').getByRole('link', { name: '回复' }).tap();
  await expect(box.locator('textarea')).toHaveValue('先写一半');
  await box.getByRole('link', { name: '取消' }).tap();
  await expect(box).toHaveCount(0);
  await item.locator('> .comment-body .comment-actions').getByRole('link', { name: '回复' }).tap();
  await expect(box.locator('textarea')).toHaveValue('先写一半');

  // Posted: in its place under the comment, scrolled to and marked, on this page and the other.
  await box.locator('textarea').fill('就在原处的回复');
  await box.getByRole('button', { name: '发表回复' }).tap();
  await expect(box).toHaveCount(0);
  const reply = a.page.locator(`#c${root} .replies > li.comment`, { hasText: '就在原处的回复' });
  await expect(reply).toHaveCount(1);
  await expect(reply).toBeInViewport();
  await expect(reply).toHaveAttribute('data-arrived', '');
  await expect(b.page.locator(`#c${root} .replies .comment-text`, { hasText: '就在原处的回复' })).toHaveCount(1);
  // The draft went with the post.
  await item.locator('> .comment-body .comment-actions').getByRole('link', { name: '回复' }).first().tap();
  await expect(box.locator('textarea')).toHaveValue('');
  expect(a.problems).toEqual([]);
  expect(b.problems).toEqual([]);
  await a.context.close();
  await b.context.close();
  await w.context.close();
});

test('without JavaScript, 回复 shows the reply form under that comment and the reply lands there', async ({ browser }) => {
  const article = '/article/7';
  const w = await apiWriter(browser, '无脚本被回复');
  const root = await w.post(article, '不用脚本也请回复我');
  const a = await phoneReader(browser, '无脚本就地回复', false);
  await a.page.goto(article);
  const item = a.page.locator(`#c${root}`);
  await item.locator('> .comment-body .comment-actions').getByRole('link', { name: '回复' }).click();
  await expect(a.page).toHaveURL(new RegExp(`reply=${root}`));
  const box = item.locator('.reply-form');
  await expect(box).toBeVisible();
  await expect(box).toContainText('回复 @无脚本被回复');
  await expect(a.page.locator('#comment-form .replying')).toHaveCount(0);
  // An empty reply comes back to the same box with the message.
  await box.getByRole('button', { name: '发表回复' }).click();
  await expect(item.locator('.reply-form .field-error')).toHaveText('评论不能为空');
  await item.locator('.reply-form textarea').fill('不用脚本的就地回复');
  await item.locator('.reply-form').getByRole('button', { name: '发表回复' }).click();
  await expect(a.page.locator(`#c${root} .replies .comment-text`)).toHaveText('不用脚本的就地回复');
  await a.context.close();
  await w.context.close();
});

test('without JavaScript, 加载更多 leads to the next page of comments and 上一页 back again', async ({ browser }) => {
  const article = '/article/15';
  const writers = await postTwentyOne(browser, ['翻页甲', '翻页乙', '翻页丙'], article, (n) => `翻页评论${n}`);
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(article);
  const items = page.locator('ol.comments > li.comment');
  await expect(items).toHaveCount(20);
  await expect(page.locator('.comment-pages')).toHaveCount(0);
  await page.getByRole('link', { name: '加载更多' }).click();
  await expect(page).toHaveURL(/\?sort=new&page=2#comments$/);
  // The rest, none of them from the first page.
  expect(await items.count()).toBeGreaterThan(0);
  await expect(items.locator('.comment-text', { hasText: /^翻页评论(19|20|21)$/ })).toHaveCount(0);
  await expect(page.getByRole('link', { name: '加载更多' })).toHaveCount(0);
  await page.locator('.comment-pages').getByRole('link', { name: '上一页' }).click();
  await expect(page).toHaveURL(/\?sort=new&page=1#comments$/);
  await expect(items).toHaveCount(20);
  await expect(items.first().locator('.comment-text')).toHaveText(/^翻页评论(19|20|21)$/);
  await context.close();
  for (const w of writers) await w.context.close();
});

test('signing in from a page with a query, or from a comment, comes back to exactly that place', async ({ browser }) => {
  const name = '回到原处的读者';
  const register = await browser.newContext(PHONE);
  const r = await register.newPage();
  await r.goto('/register');
  await r.locator('#name').fill(name);
  await r.locator('#password').fill(PASSWORD);
  await r.getByRole('button', { name: '注册', exact: true }).click();
  await expect(r).toHaveURL('/');
  await register.close();

  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const problems = watchConsole(page);
  // From the top bar on a page with a query: the same page and query afterwards.
  await page.goto(`${ARTICLE}?sort=old`);
  await waitForHydration(page);
  await page.locator('.topbar').getByRole('link', { name: '登录' }).tap();
  await expect(page).toHaveURL(/\/login\?next=/);
  expect(new URL(page.url()).searchParams.get('next')).toBe(`${ARTICLE}?sort=old`);
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).tap();
  await expect(page).toHaveURL(`${ARTICLE}?sort=old`);
  await expect(page.locator('.comments-count')).toHaveText(/^最早评论/);
  // Signing out from there stays there too.
  await page.locator('.topbar').getByRole('button', { name: '退出' }).tap();
  await expect(page.locator('.topbar').getByRole('link', { name: '登录' })).toBeVisible();
  await expect(page).toHaveURL(`${ARTICLE}?sort=old`);
  // A visitor's 赞 leads to signing in and back to that comment.
  const comment = page.locator('ol.comments > li.comment').first();
  const id = await comment.getAttribute('id');
  await comment.locator('> .comment-body .comment-actions a').first().tap();
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).tap();
  await expect(page).toHaveURL(`${ARTICLE}#${id}`);
  await expect(page.locator(`#${id}`)).toBeInViewport();
  expect(problems).toEqual([]);
  await context.close();
});

test('an article at phone size: its time, pictures, preview image, share links and neighbours', async ({ browser }) => {
  const context = await browser.newContext(PHONE);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(ARTICLE);
  await waitForHydration(page);
  await expect(page.locator('.article-meta time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  // The first picture loads at once, the rest lazily; each alt says what it shows.
  const imgs = page.locator('.article-body img');
  await expect(imgs.first()).toHaveAttribute('loading', 'eager');
  for (const img of (await imgs.all()).slice(1)) await expect(img).toHaveAttribute('loading', 'lazy');
  for (const fig of await page.locator('.article-body figure').all()) {
    const alt = await fig.locator('img').getAttribute('alt');
    expect(alt!.length).toBeGreaterThan(3);
    expect(alt).not.toBe(await fig.locator('figcaption').textContent());
  }
  // Link previews get a raster image the server has.
  const og = await page.locator('meta[property="og:image"]').getAttribute('content');
  expect(og).toMatch(/\/images\/og\/[a-z0-9-]+\.jpg$/);
  const image = await page.request.get(og!);
  expect(image.status()).toBe(200);
  expect(image.headers()['content-type']).toBe('image/jpeg');
  // 复制链接 puts the address on the clipboard and says so.
  const share = page.getByRole('group', { name: '分享' });
  await share.getByRole('link', { name: '复制链接' }).tap();
  await expect(share.locator('.share-done')).toHaveText('已复制链接');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(new URL(ARTICLE, page.url()).href);
  // 微信 opens a code drawn by the site.
  await share.locator('summary', { hasText: '微信' }).tap();
  const code = share.locator('.share-wechat img');
  await expect(code).toBeVisible();
  await expect.poll(() => code.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(0);
  // A second tap folds it away.
  await share.locator('summary', { hasText: '微信' }).tap();
  await expect(code).toBeHidden();
  const address = new URL(ARTICLE, page.url()).href;
  const title = await page.locator('h1.article-title').textContent();
  for (const [name, start, text] of [
    ['微博', 'https://service.weibo.com/share/share.php?', 'title'],
    ['X', 'https://x.com/intent/post?', 'text'],
  ]) {
    const href = (await share.getByRole('link', { name, exact: true }).getAttribute('href'))!;
    expect(href.startsWith(start), href).toBe(true);
    const query = new URL(href).searchParams;
    expect([query.get('url'), query.get(text)]).toEqual([address, title]);
  }
  // The side column (热门, the channel's newest) follows the comments, its links thumb-sized.
  const side = (await page.locator('.article-side').boundingBox())!;
  const thread = (await page.locator('#comments').boundingBox())!;
  expect(side.y).toBeGreaterThan(thread.y + thread.height - 1);
  await expect(page.locator('section[aria-labelledby="side-hot-heading"] .side-list a')).toHaveCount(5);
  expect(await smallTargets(page.locator('.article-side a'))).toEqual([]);
  // 上一篇 leads to the article before it in the same channel, through the router.
  const channel = await page.locator('.breadcrumb a').nth(1).textContent();
  const previous = page.locator('.article-pager a[rel="prev"]');
  const before = (await previous.textContent())!.replace(/^上一篇/, '');
  await previous.tap();
  await expect(page.locator('h1.article-title')).toHaveText(before);
  await expect(page.locator('.breadcrumb a').nth(1)).toHaveText(channel!);
  await expect(page.locator('.article-pager a[rel="next"]')).toHaveAttribute('href', ARTICLE);
  expect(problems).toEqual([]);
  await context.close();
});
