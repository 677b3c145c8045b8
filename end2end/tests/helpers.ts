import { Locator, expect, Page, ConsoleMessage } from '@playwright/test';
import { execFileSync } from 'node:child_process';

export const SEED_TITLE = '乌克兰局势紧张之际,拜登普京通话:相约面谈(图)';

/** Collects console errors/warnings and uncaught exceptions; hydration problems show up there. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // Hostile text must never open a dialog; any dialog fails the test.
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return problems;
}

/** Path of the seed article, as linked from the 国际 channel. */
export async function seedArticlePath(page: Page): Promise<string> {
  await page.goto('/channel/world');
  const href = await page.getByRole('link', { name: SEED_TITLE, exact: true }).first().getAttribute('href');
  expect(href).toMatch(/^\/article\/\d+$/);
  return href!;
}

/** Waits until the browser bundle has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1, { timeout: 15_000 });
}

/** 删除 on one's own comment asks first: the link turns into 确定删除 / 取消 in place. */
export async function deleteComment(actions: Locator) {
  await actions.getByRole('link', { name: '删除', exact: true }).click();
  await actions.getByRole('button', { name: '确定删除' }).click();
}

/** The password the suite's readers register with (it passes the strength check). */
export const PASSWORD = '今日新闻真好看2021';

/** A phone: the size and touch of the readers most visits come from. */
export const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

/** `jinri user …` on the suite's database, as an operator makes the first admin. */
export function jinriUser(...args: string[]) {
  execFileSync('target/release/jinri', ['user', ...args], {
    cwd: '..',
    env: { ...process.env, DATABASE_URL: 'sqlite://target/e2e-data/jinri.db', RUST_LOG: 'warn' },
  });
}

/** Registers `name` (with or without JavaScript) and waits for the top bar to name them. */
export async function register(page: Page, name: string) {
  await page.goto('/register');
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page.locator('.topbar .user-name')).toHaveText(name);
}

/** `YYYY-MM-DDTHH:MM` in the site's time zone, at least `seconds` ahead, on a minute. */
export function siteTimeAhead(seconds: number): string {
  const at = new Date(Math.ceil((Date.now() + seconds * 1000) / 60_000) * 60_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
