import { test, expect, Page } from '@playwright/test';
import { seedArticlePath, waitForHydration, watchConsole } from './helpers';

async function noHorizontalScroll(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll).toBeLessThanOrEqual(client);
}

for (const [name, width, height] of [
  ['phone', 375, 812],
  ['desktop', 1280, 900],
] as const) {
  test.describe(`${name} (${width}px)`, () => {
    test.use({ viewport: { width, height } });

    test('front page and article page fit the screen', async ({ page }, info) => {
      const problems = watchConsole(page);
      await page.goto('/');
      await waitForHydration(page);
      await noHorizontalScroll(page);
      await page.screenshot({ path: info.outputPath(`front-${name}.png`), fullPage: false });

      const path = await seedArticlePath(page);
      await page.goto(path);
      await waitForHydration(page);
      await noHorizontalScroll(page);
      // Figures scale to the column.
      const img = page.locator('.article-body img').first();
      const box = await img.boundingBox();
      expect(box!.width).toBeLessThanOrEqual(width);
      // Body text is readable: at least 16px.
      const size = await page.locator('.article-body p').first().evaluate((p) => parseFloat(getComputedStyle(p).fontSize));
      expect(size).toBeGreaterThanOrEqual(16);
      await page.screenshot({ path: info.outputPath(`article-${name}.png`), fullPage: true });
      await page.locator('#comments').screenshot({ path: info.outputPath(`comments-${name}.png`) });
      expect(problems).toEqual([]);
    });
  });
}
