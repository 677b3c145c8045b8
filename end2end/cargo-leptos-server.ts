// Under `cargo leptos end-to-end`: waits (at most a minute) for the server cargo-leptos started
// at its site-addr, then checks that a page and the stylesheet it links are served.
export default async function cargoLeptosServer() {
  const site = `http://${process.env.LEPTOS_SITE_ADDR ?? '127.0.0.1:3000'}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${site}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server cargo-leptos started is not up at ${site}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const page = await fetch(`${site}/`);
  const css = (await page.text()).match(/href="(\/pkg\/[^"]+\.css)"/)?.[1];
  if (!page.ok || !css || !(await fetch(`${site}${css}`)).ok) {
    throw new Error(`the server cargo-leptos started at ${site} does not serve its front page and stylesheet`);
  }
}
