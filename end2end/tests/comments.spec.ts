import { test, expect, Page, Browser, APIRequestContext } from '@playwright/test';
import { waitForHydration, watchConsole, deleteComment } from './helpers';

const PASSWORD = '今日新闻真好看2021';
const ARTICLE = '/article/2';

async function register(page: Page, name: string, next: string) {
  await page.goto(`/register?next=${encodeURIComponent(next)}`);
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page).toHaveURL(next);
}

async function countIn(page: Page): Promise<number> {
  const text = await page.locator('.article-meta .comment-count').innerText();
  return Number(text.replace(/[^0-9]/g, ''));
}

async function openReader(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);
  return { context, page, problems };
}

test('a comment and a reply from one reader appear live on another open page', async ({ browser }) => {
  const a = await openReader(browser);
  const b = await openReader(browser);
  await register(a.page, '直播读者A', ARTICLE);
  await waitForHydration(a.page);
  await b.page.goto(ARTICLE);
  await waitForHydration(b.page);
  await b.page.evaluate(() => ((window as any).__sameDocument = true));
  const before = await countIn(b.page);

  await a.page.locator('#comment-body').fill('这是一条实时评论\n第二行');
  await a.page.getByRole('button', { name: '发表评论' }).click();
  // The author sees it at once, once; the box is emptied.
  const mine = a.page.locator('.comment-text', { hasText: '这是一条实时评论' });
  await expect(mine).toHaveCount(1);
  await expect(a.page.locator('#comment-body')).toHaveValue('');

  // The other reader sees it without reloading, and the counts follow.
  const seen = b.page.locator('.comment-text', { hasText: '这是一条实时评论' });
  await expect(seen).toHaveCount(1);
  await expect(b.page.locator('.article-meta .comment-count')).toHaveText(`评论${before + 1}条`);
  await expect(b.page.locator('.comments-count')).toHaveText(`最新评论（${before + 1}）`);

  // A replies to their comment; the reply sits under it on B's page.
  const commentId = await a.page.locator('li.comment', { has: mine }).first().getAttribute('id');
  await a.page.waitForTimeout(1100); // the e2e server allows one post per second
  await a.page.locator(`#${commentId} .comment-actions`).first().getByRole('link', { name: '回复' }).click();
  await expect(a.page.locator(`#${commentId} .reply-form .replying`)).toContainText('回复 @直播读者A');
  await a.page.locator(`#reply-body-${commentId!.slice(1)}`).fill('这是一条实时回复');
  await a.page.getByRole('button', { name: '发表回复' }).click();
  const reply = b.page.locator(`#${commentId} .replies .comment-text`, { hasText: '这是一条实时回复' });
  await expect(reply).toHaveCount(1);
  // It answers the top-level comment it is listed under, so it needs no "回复 @" line.
  await expect(b.page.locator(`#${commentId} .replies .reply-to`)).toHaveCount(0);
  await expect(b.page.locator('.comments-count')).toHaveText(`最新评论（${before + 2}）`);
  await expect(a.page.locator('.comment-text', { hasText: '这是一条实时回复' })).toHaveCount(1);

  // Likes and deletion reach B too.
  await a.page.locator(`#${commentId} > .comment-body .comment-actions`).getByRole('button', { name: /^赞/ }).click();
  // B is a visitor: their 赞 is a link to sign in, showing the same live count.
  const bLike = b.page.locator(`#${commentId} > .comment-body .comment-actions`).getByRole('link', { name: /^赞/ });
  await expect(bLike).toHaveText('赞 1');
  await expect(bLike).toHaveAttribute('href', /^\/login\?next=/);
  await deleteComment(a.page.locator(`#${commentId} > .comment-body .comment-actions`));
  await expect(b.page.locator(`#${commentId} > .comment-body .comment-text`)).toHaveText('该评论已删除');
  await expect(reply).toHaveCount(1);
  await expect(b.page.locator('.comments-count')).toHaveText(`最新评论（${before + 1}）`);

  expect(await b.page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(a.problems).toEqual([]);
  expect(b.problems).toEqual([]);
  await a.context.close();
  await b.context.close();
});

test('hostile text is shown as text on every open page and runs nothing', async ({ browser }) => {
  const a = await openReader(browser);
  const b = await openReader(browser);
  await register(a.page, '捣乱的读者', ARTICLE);
  await waitForHydration(a.page);
  await b.page.goto(ARTICLE);
  await waitForHydration(b.page);
  const nasty = '<script>alert(1)</script><img src=x onerror="alert(2)"> javascript:alert(3) \u202Eevil ' + '😀'.repeat(300);
  await a.page.locator('#comment-body').fill(nasty);
  await a.page.getByRole('button', { name: '发表评论' }).click();
  for (const page of [a.page, b.page]) {
    const shown = page.locator('.comment-text', { hasText: '<script>alert(1)</script>' });
    await expect(shown).toHaveCount(1);
    await expect(shown.locator('img, script')).toHaveCount(0);
    await expect(shown.locator('a')).toHaveCount(0);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll).toBeLessThanOrEqual(client);
  }
  // watchConsole records any dialog: none may open.
  expect(a.problems).toEqual([]);
  expect(b.problems).toEqual([]);
  await a.context.close();
  await b.context.close();
});

test('with JavaScript, registering from the comment prompt comes back to the comment form without a reload', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto(ARTICLE);
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.locator('#comment-form').getByRole('link', { name: '注册' }).click();
  await page.locator('#name').fill('回到表单的读者');
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page).toHaveURL(`${ARTICLE}#comment-form`);
  await expect(page.locator('#comment-body')).toBeInViewport();
  await expect(page.locator('.topbar .user-name')).toHaveText('回到表单的读者');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(problems).toEqual([]);
});

test('leaving an article page closes its live stream, so live comments keep coming after many visits', async ({ browser }) => {
  const a = await openReader(browser);
  const b = await openReader(browser);
  // Counts the page's open EventSources (the bundle creates them through the global): the
  // article's comment streams, and the list page's stream of newest articles.
  await b.page.addInitScript(() => {
    const Native = window.EventSource;
    const w = window as any;
    w.__openStreams = 0;
    w.__listStreams = 0;
    window.EventSource = class extends Native {
      private kind: string;
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        this.kind = String(url).includes('/api/articles/stream') ? '__listStreams' : '__openStreams';
        w[this.kind] += 1;
      }
      close() {
        if (this.readyState !== Native.CLOSED) w[this.kind] -= 1;
        super.close();
      }
    };
  });
  const openStreams = () => b.page.evaluate(() => (window as any).__openStreams);
  const listStreams = () => b.page.evaluate(() => (window as any).__listStreams);
  await b.page.goto(ARTICLE);
  await waitForHydration(b.page);
  await b.page.evaluate(() => ((window as any).__sameDocument = true));
  await expect.poll(openStreams).toBe(1);
  // More visits than the server allows live streams from one address (20).
  for (let i = 0; i < 22; i++) {
    await b.page.locator('.breadcrumb a').nth(1).click();
    await expect(b.page.locator('h1.section-title')).toBeVisible();
    await expect.poll(openStreams).toBe(0);
    await expect.poll(listStreams).toBe(1);
    await b.page.locator(`.article-list a[href="${ARTICLE}"]`).first().click();
    await expect(b.page.locator('#comments')).toBeVisible();
    await expect.poll(openStreams).toBe(1);
    await expect.poll(listStreams).toBe(0);
  }

  await register(a.page, '常来的读者', ARTICLE);
  await waitForHydration(a.page);
  await a.page.locator('#comment-body').fill('来了又走,走了又来');
  await a.page.getByRole('button', { name: '发表评论' }).click();
  await expect(b.page.locator('.comment-text', { hasText: '来了又走,走了又来' })).toHaveCount(1);
  expect(await b.page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(a.problems).toEqual([]);
  expect(b.problems).toEqual([]);
  await a.context.close();
  await b.context.close();
});

/** Registers `name` through the API and posts a top-level comment on `article` with `replies`
 * replies, each answering the one before it (one post per second, as the e2e server allows). */
async function buildThread(request: APIRequestContext, name: string, article: string, replies: number) {
  const registered = await request.post('/api/auth/register', { form: { name, password: PASSWORD } });
  expect(registered.status()).toBe(200);
  const post = async (parent: number | null, body: string): Promise<number> => {
    const form = { article_id: article.split('/').pop()!, parent_id: parent === null ? '' : String(parent), body };
    const resp = await request.post('/api/comments/post', { form });
    expect(resp.status(), await resp.text()).toBe(200);
    return (await resp.json()).id;
  };
  const root = await post(null, `${name}的评论`);
  let parent = root;
  for (let i = 1; i <= replies; i++) {
    await new Promise((r) => setTimeout(r, 1100));
    parent = await post(parent, `${name}的第${i}条回复`);
  }
  return root;
}

const THREAD_ARTICLE = '/article/3';

test('a thread shows three replies and 展开更多回复 loads the rest in place without a reload', async ({ page, request }) => {
  const problems = watchConsole(page);
  const root = await buildThread(request, '展开回复的楼主', THREAD_ARTICLE, 5);
  await page.goto(THREAD_ARTICLE);
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const replies = page.locator(`#c${root} .replies > li.comment`);
  await expect(replies).toHaveCount(3);
  const more = page.locator(`#c${root} .more-replies a`);
  await expect(more).toHaveText('展开更多回复（还有2条）');
  await expect(more).toHaveAttribute('href', `/comment/${root}`);
  // A load that fails says why beside the control, which stays for another try.
  await page.route('**/api/comments/replies', (route) => route.abort());
  await more.click();
  await expect(page.locator(`#c${root} .more-replies .field-error`)).toHaveText('没有加载出来：网络错误，请检查连接后重试');
  await expect(replies).toHaveCount(3);
  await expect(more).not.toHaveAttribute('aria-busy', 'true');
  await page.unroute('**/api/comments/replies');
  await more.click();
  await expect(replies).toHaveCount(5);
  await expect(more).toHaveCount(0);
  // Two levels: every reply is listed flat, oldest first; an answer to a reply names whom.
  await expect(replies.locator('.comment-text')).toHaveText([1, 2, 3, 4, 5].map((i) => `展开回复的楼主的第${i}条回复`));
  await expect(replies.nth(0).locator('.reply-to')).toHaveCount(0);
  await expect(replies.nth(4).locator('.reply-to')).toHaveText('回复 @展开回复的楼主');
  await expect(page.locator(`#c${root} .replies .replies`)).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  // The browser reports the refused request; nothing else went wrong.
  expect(problems.filter((p) => !p.includes('Failed to load resource'))).toEqual([]);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('posting and replying work as plain forms that return to the new comment', async ({ page }) => {
    await page.goto(ARTICLE);
    await expect(page.locator('#comment-form')).toContainText('后参与评论');
    await page.locator('#comment-form').getByRole('link', { name: '注册' }).click();
    await page.locator('#name').fill('无脚本评论者');
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: '注册', exact: true }).click();
    await expect(page).toHaveURL(`${ARTICLE}#comment-form`);

    await page.locator('#comment-body').fill('不用脚本也能评论');
    await page.getByRole('button', { name: '发表评论' }).click();
    await expect(page).toHaveURL(new RegExp(`${ARTICLE}#c\\d+$`));
    const id = new URL(page.url()).hash.slice(1);
    await expect(page.locator(`#${id} .comment-text`)).toHaveText('不用脚本也能评论');

    // 赞 is a plain post whose button carries the comment's id; the page comes back counted.
    await page.locator(`#${id} > .comment-body .comment-actions`).getByRole('button', { name: '赞 0' }).click();
    await expect(page.locator(`#${id} > .comment-body .comment-actions`).getByRole('button', { name: '赞 1' }))
      .toHaveAttribute('aria-pressed', 'true');

    // Replying: the 回复 link opens the form for that comment, under it.
    await page.waitForTimeout(1100);
    await page.locator(`#${id} .comment-actions`).getByRole('link', { name: '回复' }).click();
    await expect(page.locator(`#${id} .reply-form .replying`)).toContainText('回复 @无脚本评论者');
    await page.locator(`#reply-body-${id.slice(1)}`).fill('不用脚本也能回复');
    await page.getByRole('button', { name: '发表回复' }).click();
    await expect(page.locator(`#${id} .replies .comment-text`)).toHaveText('不用脚本也能回复');
  });

  test('展开更多回复 is a link to the thread page, which lists every reply', async ({ page, request }) => {
    const root = await buildThread(request, '无脚本楼主', THREAD_ARTICLE, 4);
    await page.goto(THREAD_ARTICLE);
    await expect(page.locator(`#c${root} .replies > li.comment`)).toHaveCount(3);
    await page.locator(`#c${root} .more-replies`).getByRole('link', { name: '展开更多回复（还有1条）' }).click();
    await expect(page).toHaveURL(`/comment/${root}`);
    await expect(page.locator('h1')).toHaveText('无脚本楼主的评论');
    await expect(page.locator(`#c${root} .replies > li.comment .comment-text`)).toHaveText(
      [1, 2, 3, 4].map((i) => `无脚本楼主的第${i}条回复`),
    );
    await page.getByRole('link', { name: /^返回文章《/ }).click();
    await expect(page).toHaveURL(new RegExp(`${THREAD_ARTICLE}#c${root}$`));
  });
});

test('a refused live stream is retried later and later, not every two seconds', async ({ page }) => {
  let attempts = 0;
  await page.route('**/api/comments/stream**', (route) => {
    attempts += 1;
    return route.fulfill({ status: 429, headers: { 'retry-after': '30' }, body: 'too many live streams' });
  });
  await page.goto(ARTICLE);
  await waitForHydration(page);
  await page.waitForTimeout(12_000);
  // Backing off from 1–2 s (doubling) gives at most 4 attempts in 12 s; a fixed 2 s pause gave 6.
  expect(attempts).toBeGreaterThanOrEqual(2);
  expect(attempts).toBeLessThanOrEqual(4);
});

test('the comment form checks the text in the browser first, with the server rule and its message', async ({
  browser,
}) => {
  const r = await openReader(browser);
  await register(r.page, '先查读者', ARTICLE);
  await waitForHydration(r.page);
  let posts = 0;
  r.page.on('request', (req) => {
    if (req.method() === 'POST' && req.url().includes('/api/comments/post')) posts += 1;
  });
  const box = r.page.locator('#comment-body');
  const error = r.page.locator('#comment-error');
  await box.fill('长'.repeat(2001));
  await r.page.getByRole('button', { name: '发表评论' }).click();
  await expect(error).toHaveText('评论最多 2000 个字，现在是 2001 个');
  await expect(box).toHaveAttribute('aria-invalid', 'true');
  await expect(box).toHaveValue('长'.repeat(2001));
  await box.fill(' \u200b \n ');
  await r.page.getByRole('button', { name: '发表评论' }).click();
  await expect(error).toHaveText('评论不能为空');
  await box.fill('先在浏览器里检查,再交给服务器');
  await expect(error).toHaveText('');
  expect(posts).toBe(0);
  await r.page.getByRole('button', { name: '发表评论' }).click();
  await expect(r.page.locator('.comment-text', { hasText: '先在浏览器里检查,再交给服务器' })).toHaveCount(1);
  expect(posts).toBe(1);
  expect(r.problems).toEqual([]);
  await r.context.close();
});

test('on a thread page, a like and a deletion show at once without a reload', async ({ page }) => {
  const problems = watchConsole(page);
  // `page.request` shares the page's cookies: the page is signed in as the thread's author.
  const root = await buildThread(page.request, '线程页读者', THREAD_ARTICLE, 1);
  await page.goto(`/comment/${root}`);
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  const head = page.locator(`#c${root} > .comment-body .comment-actions`);
  await head.getByRole('button', { name: '赞 0' }).click();
  await expect(head.getByRole('button', { name: '赞 1' })).toHaveAttribute('aria-pressed', 'true');
  const reply = page.locator(`#c${root} .replies > li.comment`).first();
  await deleteComment(reply.locator('.comment-actions'));
  await expect(reply.locator('.comment-text')).toHaveText('该评论已删除');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(problems).toEqual([]);
});
