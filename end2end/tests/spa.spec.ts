import { test, expect, Browser, Page } from '@playwright/test';
import { PHONE, SEED_TITLE, seedArticlePath, waitForHydration, watchConsole } from './helpers';

const PASSWORD = '今日新闻真好看2021';

/** Counts the page's document loads (full page loads), not the router's own changes. */
function countDocuments(page: Page): () => number {
  let documents = 0;
  page.on('request', (r) => {
    if (r.resourceType() === 'document' && r.frame() === page.mainFrame()) documents += 1;
  });
  return () => documents;
}

const markSameDocument = (page: Page) => page.evaluate(() => ((window as any).__sameDocument = true));
const sameDocument = (page: Page) => page.evaluate(() => (window as any).__sameDocument === true);

test('the router changes pages without loading a document: titles, descriptions and canonical links follow', async ({
  page,
}) => {
  const problems = watchConsole(page);
  const documents = countDocuments(page);
  await page.goto('/');
  await waitForHydration(page);
  // The whole page is Leptos' app: no islands, no page-swapping script of our own.
  expect(await page.locator('leptos-island').count()).toBe(0);
  expect(await page.evaluate(() => typeof (window as any).__hydrateIsland)).toBe('undefined');
  await markSameDocument(page);
  const description = () => page.locator('meta[name="description"]').getAttribute('content');
  const canonical = () => page.locator('link[rel="canonical"]').getAttribute('href');

  await page.locator('nav.channels').getByRole('link', { name: '国际' }).click();
  await expect(page).toHaveURL(/\/channel\/world$/);
  await expect(page).toHaveTitle('国际 - 今日');
  await expect.poll(description).toContain('国际');
  await expect.poll(canonical).toMatch(/\/channel\/world$/);

  await page.getByRole('link', { name: SEED_TITLE, exact: true }).first().click();
  await expect(page).toHaveURL(/\/article\/\d+$/);
  await expect(page.locator('h1.article-title')).toHaveText(SEED_TITLE);
  await expect(page).toHaveTitle(`${SEED_TITLE} - 今日`);
  await expect(page.locator('meta[property="og:type"]')).toHaveAttribute('content', 'article');
  await expect.poll(canonical).toMatch(/\/article\/\d+$/);
  // The keyboard goes on from the new content.
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

  await page.locator('footer').getByRole('link', { name: '网站地图' }).click();
  await expect(page).toHaveURL(/\/sitemap$/);
  await expect(page.locator('meta[property="og:type"]')).toHaveCount(1);
  await expect(page.locator('meta[property="og:type"]')).toHaveAttribute('content', 'website');

  await page.locator('.topbar').getByRole('link', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/login\?next=\/sitemap$/);
  await expect(page).toHaveTitle('登录 - 今日');

  await page.goBack();
  await expect(page).toHaveURL(/\/sitemap$/);
  await page.goBack();
  await expect(page.locator('h1.article-title')).toHaveText(SEED_TITLE);

  // One document for the whole visit: the first.
  expect(documents()).toBe(1);
  expect(await sameDocument(page)).toBe(true);
  const nav = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  expect(nav).toBe(1);
  expect(problems).toEqual([]);
});

test('back and forward put the reader back where they were on each page', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const problems = watchConsole(page);
  await page.goto('/');
  await waitForHydration(page);
  await markSameDocument(page);
  const link = page.locator('.article-list .item-title a').nth(7);
  await link.scrollIntoViewIfNeeded();
  await page.mouse.wheel(0, 200);
  // Until the wheel's scroll has come to rest, well down the list.
  let last = -1;
  await expect
    .poll(
      async () => {
        const y = await page.evaluate(() => Math.round(scrollY));
        const still = y === last;
        last = y;
        return still && y > 500;
      },
      { intervals: [150] },
    )
    .toBe(true);
  const listY = await page.evaluate(() => Math.round(scrollY));
  const title = await link.innerText();
  await link.click();
  await expect(page.locator('h1.article-title')).toHaveText(title);
  // A new page starts at its top.
  await expect.poll(() => page.evaluate(() => Math.round(scrollY))).toBe(0);
  // The reader scrolls and goes back at once, before the browser has delivered the scroll
  // event (it comes in the next frame): the place is still kept for this page, not the list.
  // Then the same once more, for the list's place.
  for (const y of [600, 300]) {
    await page.evaluate((y) => {
      scrollTo(0, y);
      history.back();
    }, y);
    await expect(page.locator('h1.section-title')).toBeVisible();
    await expect.poll(() => page.evaluate(() => Math.round(scrollY))).toBe(listY);
    await page.goForward();
    await expect(page.locator('h1.article-title')).toHaveText(title);
    await expect.poll(() => page.evaluate(() => Math.round(scrollY))).toBe(y);
  }
  expect(await sameDocument(page)).toBe(true);
  expect(problems).toEqual([]);
});

test('a link to a place in another page scrolls there and focuses it once the page has its data', async ({ page }) => {
  const problems = watchConsole(page);
  const article = await seedArticlePath(page);
  await page.goto('/sitemap');
  await waitForHydration(page);
  await markSameDocument(page);
  // A link made in the page itself, as a comment's own link would be.
  await page.evaluate((href) => {
    const a = Object.assign(document.createElement('a'), { href, textContent: 'to the comments' });
    a.id = 'test-link';
    document.querySelector('main')!.prepend(a);
  }, `${article}#comments`);
  await page.locator('#test-link').click();
  await expect(page.locator('#comments')).toBeInViewport();
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('comments');
  expect(await sameDocument(page)).toBe(true);
  expect(problems).toEqual([]);
});

for (const size of [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 900 },
]) {
  test(`every page hydrates without an error or warning at ${size.name} size`, async ({ page }) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    const problems = watchConsole(page);
    const article = await seedArticlePath(page);
    for (const path of ['/', '/?page=2', '/channel/au', article, `${article}?sort=hot`, '/sitemap', '/about/contact', '/app', '/login', '/register']) {
      await page.goto(path);
      await waitForHydration(page);
    }
    // And the same pages reached through the router.
    await page.goto('/');
    await waitForHydration(page);
    await page.locator('nav.channels').getByRole('link', { name: '澳洲' }).click();
    await expect(page.locator('h1.section-title')).toHaveText('澳洲');
    await page.locator('.article-list .item-title a').first().click();
    await expect(page.locator('h1.article-title')).toBeVisible();
    await page.locator('.sort-tabs').getByRole('link', { name: '最热' }).click();
    await expect(page).toHaveURL(/sort=hot/);
    expect(problems).toEqual([]);
  });
}

test('before the bundle arrives, links and forms work as plain HTML', async ({ page }) => {
  // The bundle never arrives: the page is what the server sent.
  await page.route('**/pkg/*.wasm', (route) => route.abort());
  const article = await seedArticlePath(page);
  await page.goto(article);
  await page.locator('.breadcrumb a').nth(1).click();
  await expect(page.locator('h1.section-title')).toHaveText('国际');
  await page.locator('.topbar').getByRole('link', { name: '登录' }).click();
  await page.locator('#name').fill('没人');
  await page.locator('#password').fill('随便一个密码');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.locator('#password-error')).toHaveText('用户名或密码不正确');
  await expect(page.locator('#name')).toHaveValue('没人');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
});

test('the sign-in forms check fields in the browser before any request, then show the server refusal in place', async ({
  page,
}) => {
  const problems = watchConsole(page);
  let posts = 0;
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/auth\/(login|register)$/.test(r.url())) posts += 1;
  });
  await page.goto('/register');
  await waitForHydration(page);
  await markSameDocument(page);
  await page.locator('#name').fill('坏 名字');
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page.locator('#name-error')).toContainText('不能包含空格');
  await expect(page.locator('#name')).toHaveAttribute('aria-invalid', 'true');
  // A reserved name in any case is refused in the browser too (ASCII case folding there).
  await page.locator('#name').fill('WebMaster');
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page.locator('#name-error')).toHaveText('这个用户名保留给本站使用，请换一个');
  await page.locator('#name').fill('好名字');
  await expect(page.locator('#name-error')).toHaveText('');
  await page.locator('#password').fill('短');
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page.locator('#password-error')).toHaveText('密码至少 8 个字符');
  expect(posts).toBe(0);

  // What only the server knows comes back in place, the name still typed.
  await page.locator('.auth-switch').getByRole('link', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.locator('#name-error')).toHaveText('请输入用户名');
  expect(posts).toBe(0);
  await page.locator('#name').fill('从没注册过的人');
  await page.locator('#password').fill('一个错误的密码');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.locator('#password-error')).toHaveText('用户名或密码不正确');
  await expect(page.locator('#name')).toHaveValue('从没注册过的人');
  expect(posts).toBe(1);
  expect(await sameDocument(page)).toBe(true);
  expect(problems.filter((p) => !p.includes('status of 4'))).toEqual([]);
});

test('a sign-out in another tab shows as signed out on the next page change', async ({ browser }) => {
  const context = await browser.newContext();
  const a = await context.newPage();
  const problems = watchConsole(a);
  await a.goto('/register?next=%2F');
  await a.locator('#name').fill('两个标签页');
  await a.locator('#password').fill(PASSWORD);
  await a.getByRole('button', { name: '注册', exact: true }).click();
  await expect(a).toHaveURL('/');
  await waitForHydration(a);
  await expect(a.locator('.topbar .user-name')).toHaveText('两个标签页');
  await markSameDocument(a);

  const b = await context.newPage();
  await b.goto('/');
  await waitForHydration(b);
  await b.locator('.topbar').getByRole('button', { name: '退出' }).click();
  await expect(b.locator('.topbar').getByRole('link', { name: '登录' })).toBeVisible();

  await a.locator('nav.channels').getByRole('link', { name: '财经' }).click();
  await expect(a.locator('h1.section-title')).toHaveText('财经');
  await expect(a.locator('.topbar').getByRole('link', { name: '登录' })).toBeVisible();
  await expect(a.locator('.topbar .user-name')).toHaveCount(0);
  expect(await sameDocument(a)).toBe(true);
  expect(problems).toEqual([]);
  await context.close();
});

test('the keyboard focus shows as a ring on the red channel bar and on buttons', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/login');
  await waitForHydration(page);
  const ring = () =>
    page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
    });
  // Tab from the start of the page until a channel link has the focus.
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => !!document.activeElement?.closest('nav.channels'))) break;
  }
  expect(await page.evaluate(() => !!document.activeElement?.closest('nav.channels'))).toBe(true);
  // White on the red bar, where a red ring would not show.
  expect(await ring()).toBe('solid 2px rgb(255, 255, 255)');
  await page.locator('#password').focus();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BUTTON');
  expect(await ring()).toBe('solid 2px rgb(200, 22, 29)');
});

test('a lazy page keeps its title while its code loads and hydrates', async ({ browser }) => {
  for (const [path, title] of [
    ['/channel/finance', '财经 - 今日'],
    ['/', '今日 - 最好看的新闻，最实用的信息'],
    ['/sitemap', '网站地图 - 今日'],
    ['/login', '登录 - 今日'],
  ]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Every few milliseconds from the parsed document on (the bundle hydrates after that), the
    // document's title as it stands.
    await page.addInitScript(() => {
      const seen: string[] = ((window as any).__titles = []);
      const note = () => seen.push(document.title);
      document.addEventListener('DOMContentLoaded', () => {
        note();
        const every = setInterval(note, 4);
        setTimeout(() => clearInterval(every), 6000);
      });
    });
    await page.goto(path);
    await waitForHydration(page);
    await page.waitForTimeout(100);
    const titles: string[] = await page.evaluate(() => (window as any).__titles);
    expect(titles.length, path).toBeGreaterThan(5);
    expect([...new Set(titles)], `${path}: the titles the document had`).toEqual([title]);
    await context.close();
  }
});

/**
 * Uses the page a moment after Leptos' router starts listening for clicks, which it does early in
 * the first hydration, while later tasks are still to hydrate the rest of the page: `delay` ms
 * after the first window click listener that is not a capture-phase one, it follows the first
 * link of a list (`link`) or sends the sign-in form with a wrong password (`form`), once per tab.
 * The tab's session storage notes whether the page had hydrated by then (`acted-hydrated`) and
 * the link's text (`followed`).
 */
async function actWhileHydrating(page: Page, delay: number, act: 'link' | 'form') {
  await page.addInitScript(
    ([delay, act]) => {
      const add = window.addEventListener;
      let armed = !sessionStorage.getItem('acted-hydrated');
      (window as any).addEventListener = function (type: string, ...rest: any[]) {
        const r = add.call(this, type, ...rest);
        const capture = rest[1] === true || (typeof rest[1] === 'object' && rest[1]?.capture);
        if (type === 'click' && !capture && armed) {
          armed = false;
          setTimeout(() => {
            sessionStorage.setItem('acted-hydrated', String(document.body.hasAttribute('data-hydrated')));
            if (act === 'link') {
              const link = document.querySelector('.article-list .item-title a') as HTMLAnchorElement;
              sessionStorage.setItem('followed', link.textContent!.trim());
              link.click();
            } else {
              (document.querySelector('#name') as HTMLInputElement).value = '没人';
              const password = document.querySelector('#password') as HTMLInputElement;
              password.value = '随便一个密码';
              password.form!.requestSubmit();
            }
          }, delay as number);
        }
        return r;
      };
    },
    [delay, act] as const,
  );
}

/** A phone whose CPU runs `rate` times slower than this machine's, and the page's console problems. */
async function slowPhone(browser: Browser, rate: number) {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const problems = watchConsole(page);
  if (rate > 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate });
  return { context, page, problems };
}

test('a link or a form used while the page still hydrates does what it says', async ({ browser }) => {
  // Ten page loads on a CPU slowed six times: ~30 s on this machine, the default limit.
  test.setTimeout(90_000);
  const before: boolean[] = [];
  for (const delay of [0, 0, 0, 3, 10]) {
    // A phone's CPU: the hydration's tasks spread out.
    const { context, page, problems } = await slowPhone(browser, 6);
    await actWhileHydrating(page, delay, 'link');
    await page.goto('/channel/world', { waitUntil: 'commit' });
    await expect(page).toHaveURL(/\/article\/\d+$/, { timeout: 15_000 });
    const title = await page.evaluate(() => sessionStorage.getItem('followed'));
    expect(title).toBeTruthy();
    await expect(page.locator('h1.article-title'), `a link followed ${delay} ms in`).toHaveText(title!);
    before.push(await page.evaluate(() => sessionStorage.getItem('acted-hydrated') === 'false'));
    await waitForHydration(page);
    expect(problems, `a link followed ${delay} ms in`).toEqual([]);
    await context.close();

    // A form sent at that moment: the server's answer shows in place, the name stays.
    const { context: form, page: login, problems: formProblems } = await slowPhone(browser, 6);
    await actWhileHydrating(login, delay, 'form');
    await login.goto('/login', { waitUntil: 'commit' });
    await expect(login.locator('#password-error'), `a form sent ${delay} ms in`).toHaveText('用户名或密码不正确', {
      timeout: 15_000,
    });
    await expect(login.locator('#name')).toHaveValue('没人');
    before.push(await login.evaluate(() => sessionStorage.getItem('acted-hydrated') === 'false'));
    await waitForHydration(login);
    expect(formProblems, `a form sent ${delay} ms in`).toEqual([]);
    await form.close();
  }
  // The moment came before the hydration had finished, at least for the earliest uses.
  expect(before.filter(Boolean).length).toBeGreaterThan(0);
});

test('two articles tapped in a row: the second one shows', async ({ browser }) => {
  for (const [rate, gap] of [
    [1, 0],
    [1, 10],
    [6, 0],
    [6, 30],
    [6, 100],
  ]) {
    const { context, page, problems } = await slowPhone(browser, rate);
    await page.goto('/channel/world');
    await waitForHydration(page);
    const links = page.locator('.article-list .item-title a');
    const [first, second] = [await links.nth(0).getAttribute('href'), await links.nth(1).getAttribute('href')];
    const title = (await links.nth(1).textContent())!.trim();
    // The second tap lands while the router still waits for the first article's data.
    await page.evaluate(
      ([first, second, gap]) => {
        (document.querySelector(`.article-list a[href="${first}"]`) as HTMLAnchorElement).click();
        setTimeout(
          () => (document.querySelector(`.article-list a[href="${second}"]`) as HTMLAnchorElement | null)?.click(),
          gap as number,
        );
      },
      [first, second, gap] as const,
    );
    const what = `CPU ${rate}x, ${gap} ms apart`;
    await expect(page, what).toHaveURL(new RegExp(`${second}$`));
    await expect(page.locator('h1.article-title'), what).toHaveText(title, { timeout: 10_000 });
    await waitForHydration(page);
    expect(problems, what).toEqual([]);
    await context.close();
  }
});

/** Lazy pages' code files (`--split`), which a new build renames. */
const CHUNK = /\/pkg\/chunk_[^/]*\.wasm$/;

/** A phone on the article (the main bundle only), hydrated and marked, counting its documents. */
async function hydratedArticleOnPhone(browser: Browser) {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const documents = countDocuments(page);
  await page.goto('/article/1');
  await waitForHydration(page);
  await markSameDocument(page);
  return { context, page, documents };
}

test('a page whose code is gone after a new build loads whole from the server; the reader gets it', async ({
  browser,
}) => {
  const { context, page, documents } = await hydratedArticleOnPhone(browser);
  // As after a deployment: the chunk names this document's bundle knows answer 404; a new
  // document brings the new names (here: the same files, served again).
  await page.route(CHUNK, (route) => (documents() === 1 ? route.fulfill({ status: 404, body: 'gone' }) : route.continue()));
  await page.locator('nav.channels').getByRole('link', { name: '澳洲' }).click();
  await expect.poll(documents).toBe(2);
  await page.waitForLoadState('load');
  await waitForHydration(page);
  expect(await sameDocument(page)).toBe(false);
  await expect(page).toHaveURL(/\/channel\/au$/);
  await expect(page.getByRole('heading', { level: 1, name: '澳洲' })).toBeVisible();
  await expect(page.locator('.page-failed')).toBeHidden();
  // Its code came this time: the router changes pages again.
  await markSameDocument(page);
  await page.locator('nav.channels').getByRole('link', { name: '中国' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '中国' })).toBeVisible();
  expect(await sameDocument(page)).toBe(true);
  expect(documents()).toBe(2);
  await context.close();
});

test('offline, a page whose code cannot be fetched says so in place, and its link loads it once back online', async ({
  browser,
}) => {
  const { context, page, documents } = await hydratedArticleOnPhone(browser);
  await context.setOffline(true);
  await page.locator('nav.channels').getByRole('link', { name: '澳洲' }).click();
  const failed = page.locator('.page-failed');
  await expect(failed).toHaveText('网络连接已断开，页面没能打开。重新加载');
  await expect(failed).toHaveAttribute('role', 'alert');
  expect(await sameDocument(page)).toBe(true);
  expect(documents()).toBe(1);
  const again = failed.getByRole('link', { name: '重新加载' });
  const box = await again.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44);
  // The line goes with the failed page.
  await page.goBack();
  await expect(page).toHaveURL(/\/article\/1$/);
  await expect(failed).toBeHidden();
  await page.goForward();
  await expect(failed).toBeVisible();
  await context.setOffline(false);
  await again.click();
  await expect.poll(documents).toBe(2);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1, name: '澳洲' })).toBeVisible();
  await expect(failed).toBeHidden();
  await context.close();
});

test('a first visit whose page code cannot be fetched keeps the server page readable and offers to load it again', async ({
  browser,
}) => {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const documents = countDocuments(page);
  await page.route(CHUNK, (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto('/channel/au');
  await waitForHydration(page);
  const failed = page.locator('.page-failed');
  await expect(failed).toHaveText('页面没能完整打开。重新加载');
  // No reload loop: the document loaded once, and what the server sent is still there.
  await page.waitForTimeout(500);
  expect(documents()).toBe(1);
  await expect(page.getByRole('heading', { level: 1, name: '澳洲' })).toBeVisible();
  await expect(page.locator('main .article-list li').first()).toBeVisible();
  // 重新加载 loads this address again.
  await failed.getByRole('link', { name: '重新加载' }).click();
  await expect.poll(documents).toBe(2);
  await expect(page).toHaveURL(/\/channel\/au$/);
  await context.close();
});
