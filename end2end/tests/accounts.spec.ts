import { test, expect, Page } from '@playwright/test';
import { seedArticlePath, waitForHydration, watchConsole } from './helpers';

const PASSWORD = '今日新闻真好看2021';

async function fillAndSubmit(page: Page, name: string, password: string, button: string) {
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: button, exact: true }).click();
}

const topBar = (page: Page) => page.locator('.topbar');

test('with JavaScript: register, see the signed-in top bar, log out and log in again, without reloads', async ({ page }) => {
  const problems = watchConsole(page);
  const article = await seedArticlePath(page);
  await page.goto(article);
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await topBar(page).getByRole('link', { name: '注册' }).click();
  await expect(page).toHaveURL(new RegExp(`/register\\?next=${article.replace(/\//g, '\\/')}$`));
  // A refusal appears next to its field and keeps what was typed.
  await fillAndSubmit(page, '读者甲', 'short', '注册');
  await expect(page.locator('#password-error')).toContainText('至少 8 个字符');
  await expect(page.locator('#name')).toHaveValue('读者甲');
  // The message and the name came back in a flash cookie: the address holds only the return path.
  await expect(page).toHaveURL(new RegExp(`/register\\?next=${article.replace(/\//g, '\\/')}$`));
  await fillAndSubmit(page, '读者甲', 'password1', '注册');
  await expect(page.locator('#password-error')).toContainText('常见');

  await fillAndSubmit(page, '读者甲', PASSWORD, '注册');
  await expect(page).toHaveURL(article);
  await expect(topBar(page).locator('.user-name')).toHaveText('读者甲');
  await expect(topBar(page).getByRole('button', { name: '退出' })).toBeVisible();

  await topBar(page).getByRole('button', { name: '退出' }).click();
  await expect(topBar(page).getByRole('link', { name: '登录' })).toBeVisible();
  await expect(topBar(page).locator('.user-name')).toHaveCount(0);

  await topBar(page).getByRole('link', { name: '登录' }).click();
  await fillAndSubmit(page, '读者甲', 'wrong password', '登录');
  await expect(page.locator('#password-error')).toHaveText('用户名或密码不正确');
  await fillAndSubmit(page, '读者甲', PASSWORD, '登录');
  await expect(page).toHaveURL(article);
  await expect(topBar(page).locator('.user-name')).toHaveText('读者甲');
  // Everything above happened in one document: no reload.
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(problems.filter((p) => !p.includes('status of 4'))).toEqual([]);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('register, log out and log in again with plain forms', async ({ page }) => {
    const article = await seedArticlePath(page);
    await page.goto(article);
    await topBar(page).getByRole('link', { name: '注册' }).click();
    await fillAndSubmit(page, 'Reader_乙', 'password1', '注册');
    await expect(page.locator('#password-error')).toContainText('常见');
    await expect(page.locator('#name')).toHaveValue('Reader_乙');
    // The message and the name came back in a flash cookie: the address holds only the return path.
    await expect(page).toHaveURL(new RegExp(`/register\\?next=${article.replace(/\//g, '\\/')}$`));

    await fillAndSubmit(page, 'Reader_乙', PASSWORD, '注册');
    await expect(page).toHaveURL(article);
    await expect(topBar(page).locator('.user-name')).toHaveText('Reader_乙');

    await topBar(page).getByRole('button', { name: '退出' }).click();
    await expect(page).toHaveURL(article);
    await expect(topBar(page).getByRole('link', { name: '登录' })).toBeVisible();

    await topBar(page).getByRole('link', { name: '登录' }).click();
    await fillAndSubmit(page, 'reader_乙', PASSWORD, '登录');
    await expect(page).toHaveURL(article);
    await expect(topBar(page).locator('.user-name')).toHaveText('Reader_乙');
  });
});
