import { defineConfig } from '@playwright/test';

// The release server, started on its own port over a fresh database in target/e2e-data
// (scripts/test.sh removes it before each run). Chromium is Debian's: Playwright's own
// browser download is not available here.
const port = Number(process.env.JINRI_E2E_PORT ?? 3107);
export const baseURL = `http://127.0.0.1:${port}`;
// A second server over a database that `jinri generate` fills with abusive threads (a reply
// chain 10,000 deep, 1,000 replies of 2,000 characters under one comment); abuse.spec.ts.
const abusePort = Number(process.env.JINRI_E2E_ABUSE_PORT ?? 3108);
export const abuseURL = `http://127.0.0.1:${abusePort}`;

// Two more servers on one PostgreSQL database when JINRI_E2E_PG_URL names one (scripts/test.sh
// makes it in a throwaway cluster): processes.spec.ts uses one reader on each.
const pgURL = process.env.JINRI_E2E_PG_URL;
const pgPort = Number(process.env.JINRI_E2E_PG_PORT ?? 3109);
const pgPorts = [pgPort, pgPort + 1];
export const pgURLs = pgURL ? pgPorts.map((p) => `http://127.0.0.1:${p}`) : null;
const pgServers = pgURL
  ? pgPorts.map((port, i) => ({
      // The second starts once the first has migrated and seeded the empty database.
      command:
        i === 0
          ? 'target/release/jinri'
          : `sh -c 'until curl -sf -o /dev/null http://127.0.0.1:${pgPorts[0]}/healthz; do sleep 0.2; done; exec target/release/jinri'`,
      cwd: '..',
      url: `http://127.0.0.1:${port}/healthz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: 'pipe' as const,
      env: {
        LEPTOS_SITE_ROOT: 'target/site',
        LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
        DATABASE_URL: pgURL,
        JINRI_SITE_BASE_URL: `http://127.0.0.1:${port}`,
        JINRI_COMMENTS_MIN_INTERVAL_SECS: '1',
      },
    }))
  : [];

// `cargo leptos end-to-end` runs this suite through Cargo.toml's end2end-cmd, which sets
// JINRI_E2E_CARGO_LEPTOS: cargo-leptos has then built the site and started it at its site-addr
// with the caller's environment, so cargo-leptos-server.ts checks that it serves. The tests
// still use the two servers below: they need a fresh database and two relaxed limits, which
// cargo-leptos cannot give the server it starts.
const underCargoLeptos = Boolean(process.env.JINRI_E2E_CARGO_LEPTOS);

export default defineConfig({
  testDir: './tests',
  // The two-process test needs the PostgreSQL servers above; scripts/test.sh always provides them.
  testIgnore: pgURL ? [] : ['**/processes.spec.ts'],
  globalSetup: underCargoLeptos ? './cargo-leptos-server.ts' : undefined,
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
  webServer: [
    {
      // A fresh database each run (scripts/test.sh removes it too).
      command: "sh -c 'rm -rf target/e2e-data && exec target/release/jinri'",
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
    {
      // `generate` refuses an existing file, hence the fresh folder each run.
      command:
        "sh -c 'rm -rf target/e2e-abuse && target/release/jinri generate target/e2e-abuse/jinri.db " +
        "--deep-chain 10000 --wide-thread 1000 --reply-chars 2000 && exec target/release/jinri'",
      cwd: '..',
      url: `${abuseURL}/healthz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      env: {
        LEPTOS_SITE_ROOT: 'target/site',
        LEPTOS_SITE_ADDR: `127.0.0.1:${abusePort}`,
        DATABASE_URL: 'sqlite://target/e2e-abuse/jinri.db',
        JINRI_SITE_BASE_URL: abuseURL,
      },
    },
    ...pgServers,
  ],
});
