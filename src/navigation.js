// Page changes without reloads in islands mode. A same-origin link or form fetches the next
// page from the server, as a browser without JavaScript would (forms as plain posts, which
// answer with a redirect), and it takes this page's place: its body and its head tags. An
// island the next page has with the same component and props keeps this page's element and
// state (a live thread stays open); other islands are new and are hydrated here.
//
// Leptos' islands router (`islands_router=true`) patches the page node by node instead, and
// stops at the first node the two pages do not share: going from an article (which has more
// OpenGraph tags in its head) to a channel left the article on screen.
(() => {
  const shown = () => location.pathname + location.search;
  let loaded = shown();
  let latest = 0;
  // Forms whose post is on its way: a second click must not post (and register) twice.
  const posting = new WeakSet();

  addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target instanceof Element && ev.target.closest("a[href]");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin) return;
    // A place on this page (the comment count, the skip link): the browser scrolls there.
    if (url.pathname + url.search === shown() && url.hash) return;
    ev.preventDefault();
    go(url, {}, true);
  });

  addEventListener("submit", (ev) => {
    const form = ev.target;
    const method = (ev.submitter?.getAttribute("formmethod") || form.method).toUpperCase();
    if (ev.defaultPrevented || form.target || (method !== "GET" && method !== "POST")) return;
    const url = new URL(ev.submitter?.hasAttribute("formaction") ? ev.submitter.formAction : form.action);
    if (url.origin !== location.origin) return;
    ev.preventDefault();
    const data = new URLSearchParams(new FormData(form, ev.submitter));
    if (method === "GET") {
      url.search = data;
      go(url, {}, true);
    } else if (!posting.has(form)) {
      posting.add(form);
      go(url, { method, body: data }, true, form).finally(() => posting.delete(form));
    }
  });

  // Back or forward within one page (to or from a #place) is the browser's own; to another
  // page, that page is fetched and the reader is put back where they were on it.
  addEventListener("popstate", (ev) => {
    if (shown() !== loaded) go(new URL(location.href), {}, false, null, ev.state?.y);
  });

  async function go(url, init, push, form, y) {
    const nav = ++latest;
    if (push) history.replaceState({ y: scrollY }, "");
    let resp, doc;
    try {
      resp = await fetch(url, { ...init, headers: { Accept: "text/html" } });
    } catch {
      // Offline: the browser tries it the ordinary way, and says what failed.
      if (form) HTMLFormElement.prototype.submit.call(form);
      else location.assign(url);
      return;
    }
    if (resp.headers.get("content-type")?.startsWith("text/html")) {
      doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    } else if (form) {
      // What a post answered with, shown as text, as a browser shows it.
      doc = document.implementation.createHTMLDocument(document.title);
      doc.body.append(Object.assign(doc.createElement("pre"), { textContent: await resp.text() }));
    } else {
      location.assign(url);  // not a page (a feed, a file): the browser opens it
      return;
    }
    if (nav !== latest) return;
    swap(doc);
    // A redirect's own fragment is not visible to fetch. A form that names where it leads
    // (`next`, as the account forms do) gives it back; a link keeps its own.
    let at = resp.redirected ? new URL(resp.url) : url;
    const next = form?.elements.namedItem("next")?.value;
    if (next) {
      const named = new URL(next, location.href);
      if (named.pathname + named.search === at.pathname + at.search) at = named;
    }
    if (push) history.pushState({ y: 0 }, "", at);
    loaded = shown();
    const target = at.hash && document.getElementById(decodeURIComponent(at.hash.slice(1)));
    if (push) target ? target.scrollIntoView() : scrollTo(0, 0);
    else if (y !== undefined) scrollTo(0, y);
    // As after a page load, keyboard and screen-reader users go on from the new content (or
    // the place the address names), not from a link that is no longer there.
    const focus = target || document.getElementById("main");
    if (focus) {
      if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
      focus.focus({ preventScroll: true });
    }
  }

  function swap(doc) {
    // Scripts have run and the bundle's links have loaded: they stay. Other head tags (title,
    // description, canonical, OpenGraph) follow the next page.
    const kept = (el) => el.matches("script, link[rel=stylesheet], link[rel=preload], link[rel=modulepreload]");
    const next = [...doc.head.children].filter((el) => !kept(el));
    for (const el of [...document.head.children]) {
      if (!kept(el) && !next.some((n) => n.isEqualNode(el))) el.remove();
    }
    for (const el of next) {
      if (![...document.head.children].some((o) => o.isEqualNode(el))) document.head.append(el);
    }

    const old = [...document.querySelectorAll("leptos-island")];
    const fresh = [];
    for (const island of doc.body.querySelectorAll("leptos-island")) {
      const i = old.findIndex(
        (o) => o.dataset.component === island.dataset.component && o.dataset.props === island.dataset.props,
      );
      if (i >= 0) island.replaceWith(old.splice(i, 1)[0]);
      else fresh.push(island);
    }
    document.body.replaceChildren(...doc.body.childNodes);
    // Before the bundle has run, its loader hydrates whatever islands the page has by then.
    if (document.body.hasAttribute("data-hydrated")) {
      for (const island of fresh) window.__hydrateIsland(island, island.dataset.component);
    }
  }
})();
