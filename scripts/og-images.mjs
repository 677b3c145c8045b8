// Makes the raster link-preview images (og:image) that WeChat, Facebook and the like need:
//   public/images/og/NAME.jpg  for every public/images/articles/NAME.svg — 1200×630 JPEG, the
//                              SVG scaled to cover the frame (1200×675, centred, top and bottom
//                              cropped equally);
//   public/images/og/jinri.jpg — the site's default card: 今日 and the slogan, white on red.
// Renders with Debian's Chromium (/usr/bin/chromium) through the Playwright installed for the
// end-to-end tests (end2end/node_modules; `npm ci` there first) or in .tools/node_modules.
// Run from the project root:  node scripts/og-images.mjs
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = process.cwd();
const srcDir = join(root, 'public/images/articles');
const outDir = join(root, 'public/images/og');
const W = 1200;
const H = 630;
const QUALITY = 82;

function loadPlaywright() {
  for (const base of ['end2end/package.json', '.tools/package.json']) {
    const req = createRequire(resolve(root, base));
    for (const name of ['playwright-core', 'playwright']) {
      try {
        return req(name);
      } catch {}
    }
  }
  throw new Error('Playwright not found in end2end/node_modules or .tools/node_modules');
}

const page = (body) => `<!doctype html><html><head><meta charset="utf-8"><style>
html, body { margin: 0; padding: 0; width: ${W}px; height: ${H}px; overflow: hidden; }
</style></head><body>${body}</body></html>`;

const svgPage = (svg) =>
  page(`<img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"
  style="display:block; width:${W}px; height:${H}px; object-fit:cover; object-position:center">`);

const defaultCard = page(`<div style="width:${W}px; height:${H}px; background:#c8161d; color:#fff;
  display:flex; flex-direction:column; align-items:center; justify-content:center;
  font-family:'Noto Sans CJK SC', 'Noto Sans CJK', sans-serif;">
  <div style="font-size:220px; font-weight:700; line-height:1; letter-spacing:0.05em; margin-right:-0.05em;">今日</div>
  <div style="font-size:48px; font-weight:400; line-height:1; margin-top:56px; letter-spacing:0.08em; margin-right:-0.08em;">最好看的新闻，最实用的信息</div>
</div>`);

const { chromium } = loadPlaywright();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const context = await browser.newContext({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
  const tab = await context.newPage();
  mkdirSync(outDir, { recursive: true });

  const jobs = readdirSync(srcDir)
    .filter((f) => f.endsWith('.svg'))
    .sort()
    .map((f) => [f.replace(/\.svg$/, ''), svgPage(readFileSync(join(srcDir, f), 'utf8'))]);
  jobs.push(['jinri', defaultCard]);

  for (const [name, html] of jobs) {
    await tab.setContent(html, { waitUntil: 'load' });
    await tab.evaluate(() => document.fonts.ready);
    const path = join(outDir, `${name}.jpg`);
    await tab.screenshot({ path, type: 'jpeg', quality: QUALITY, clip: { x: 0, y: 0, width: W, height: H } });
    console.log(`${path.slice(root.length + 1)}  ${(statSync(path).size / 1024).toFixed(1)} KB`);
  }
} finally {
  await browser.close();
}
