import { defineConfig } from '@playwright/test';

// The release server, started on its own port over a fresh database in target/e2e-data
// (scripts/test.sh removes it before each run). Chromium is Debian's: Playwright's own
// browser download is not available here.
const port = Number(process.env.JINRI_E2E_PORT ?? 3107);
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: 'list',
  forbidOnly: true,
  use: {
    baseURL,
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'target/release/jinri',
    cwd: '..',
    url: `${baseURL}/`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: 'sqlite://target/e2e-data/jinri.db',
      JINRI_SITE_BASE_URL: baseURL,
      // The suite registers several readers and posts in quick succession from one address.
      JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR: '100',
      JINRI_COMMENTS_MIN_INTERVAL_SECS: '1',
    },
  },
});
