import { test, expect, Browser } from '@playwright/test';
import { PASSWORD, PHONE, jinriUser, register, waitForHydration, watchConsole } from './helpers';

async function phone(browser: Browser, javaScriptEnabled = true) {
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
  return { context, page: await context.newPage() };
}

test('an admin grants and revokes roles at phone size; the reader is refused the page, then gains and loses the link at once', async ({ browser }) => {
  const admin = await phone(browser);
  const problems = watchConsole(admin.page);
  await register(admin.page, '主编老周');
  const reader = await phone(browser);
  await register(reader.page, '记者小林');

  // A reader who is not an admin is refused on the server.
  const refused = await reader.page.goto('/admin/users');
  expect(refused!.status()).toBe(403);
  await expect(reader.page.locator('.error-page')).toContainText('没有权限');

  jinriUser('grant', '主编老周', 'admin');
  // The open session is an admin at once: the next page shows the link.
  await admin.page.goto('/about/contact');
  await waitForHydration(admin.page);
  await admin.page.locator('.topbar').getByRole('link', { name: '管理' }).click();
  await expect(admin.page).toHaveURL('/admin/users');
  await expect(admin.page.getByRole('heading', { name: '编辑部成员' })).toBeVisible();
  await expect(admin.page.locator('.staff-member', { hasText: '主编老周' })).toBeVisible();

  // The browser checks the name first; then the server's refusal shows beside it, typed text kept.
  await admin.page.locator('#grant-name').fill('');
  await admin.page.getByRole('button', { name: '授予', exact: true }).click();
  await expect(admin.page.locator('#grant-name-error')).toHaveText('请输入用户名');
  await admin.page.locator('#grant-name').fill('没有这个人');
  await admin.page.getByRole('button', { name: '授予', exact: true }).click();
  await expect(admin.page.locator('#grant-name-error')).toHaveText('没有叫这个名字的读者');
  await expect(admin.page.locator('#grant-name')).toHaveValue('没有这个人');

  await admin.page.locator('#grant-name').fill('记者小林');
  await admin.page.locator('#grant-role').selectOption('editor');
  await admin.page.getByRole('button', { name: '授予', exact: true }).click();
  const member = admin.page.locator('.staff-member', { hasText: '记者小林' });
  await expect(member.locator('.role-badge')).toHaveText('编辑');
  await expect(admin.page.locator('.audit-log li').first()).toContainText('授予 记者小林「编辑」角色');
  await admin.page.screenshot({ path: '../target/e2e-newsroom-phone.png', fullPage: true });

  // The last admin cannot be revoked: the message shows in place.
  await admin.page.getByRole('button', { name: '撤销 主编老周 的管理员角色' }).click();
  await expect(admin.page.locator('.admin-page > .form-error')).toContainText('最后一位管理员');

  // Revoking reaches the reader's open session: the page is refused again.
  await admin.page.getByRole('button', { name: '撤销 记者小林 的编辑角色' }).click();
  await expect(member).toHaveCount(0);
  await expect(admin.page.locator('.audit-log li').first()).toContainText('撤销 记者小林 的「编辑」角色');
  expect((await reader.page.goto('/admin/users'))!.status()).toBe(403);

  // The top bar's facts: changed on the site, shown at once in this top bar and on every page served after.
  await admin.page.getByRole('navigation', { name: '管理' }).getByRole('link', { name: '顶栏信息' }).click();
  await expect(admin.page).toHaveURL('/admin/site');
  await admin.page.locator('#fact-city').fill('');
  await admin.page.getByRole('button', { name: '保存', exact: true }).click();
  await expect(admin.page.locator('#fact-city-error')).toHaveText('请填写');
  await admin.page.locator('#fact-city').fill('墨尔本');
  await admin.page.getByRole('button', { name: '保存', exact: true }).click();
  await expect(admin.page.locator('.form-saved')).toContainText('已保存');
  await expect(admin.page.locator('.facts-inline .city')).toHaveText('墨尔本');
  await admin.page.screenshot({ path: '../target/e2e-newsroom-site-phone.png', fullPage: true });
  const guest = await phone(browser);
  await guest.page.goto('/');
  await expect(guest.page.locator('.facts-inline .city')).toHaveText('墨尔本');
  await guest.context.close();
  expect(problems.filter((p) => !p.includes('status of 4'))).toEqual([]);
  await admin.context.close();
  await reader.context.close();
});

test('with JavaScript off an admin grants with a plain form and a refusal comes back with the name typed', async ({ browser }) => {
  const admin = await phone(browser, false);
  await admin.page.goto('/register');
  await admin.page.locator('#name').fill('总编老吴');
  await admin.page.locator('#password').fill(PASSWORD);
  await admin.page.getByRole('button', { name: '注册', exact: true }).click();
  jinriUser('grant', '总编老吴', 'admin');
  await admin.page.goto('/admin/users');
  await admin.page.locator('#grant-name').fill('查无此人');
  await admin.page.locator('#grant-role').selectOption('moderator');
  await admin.page.getByRole('button', { name: '授予', exact: true }).click();
  await expect(admin.page).toHaveURL('/admin/users');
  await expect(admin.page.locator('#grant-name-error')).toHaveText('没有叫这个名字的读者');
  await expect(admin.page.locator('#grant-name')).toHaveValue('查无此人');
  await expect(admin.page.locator('#grant-role')).toHaveValue('moderator');
  // A second role for the admin: a plain post that succeeds comes back to the page, which lists it.
  await admin.page.locator('#grant-name').fill('总编老吴');
  await admin.page.locator('#grant-role').selectOption('moderator');
  await admin.page.getByRole('button', { name: '授予', exact: true }).click();
  await expect(admin.page).toHaveURL('/admin/users');
  await expect(admin.page.locator('.staff-member', { hasText: '总编老吴' }).locator('.role-badge')).toHaveText(['版主', '管理员']);
  await admin.context.close();
});
