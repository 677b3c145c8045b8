import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { seedArticlePath } from './helpers';

test('no serious or critical accessibility violation on any page', async ({ page }) => {
  const article = await seedArticlePath(page);
  for (const path of ['/', '/channel/finance', article, '/sitemap', '/about/privacy', '/app', '/login', '/register', '/no-such-page']) {
    await page.goto(path);
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${path}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad).toEqual([]);
  }
});
