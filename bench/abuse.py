#!/usr/bin/env python3
"""Replays every attack of the abuse review against a release build, on loopback, bounded in
count and time, and prints what each defence costs honest readers (login and post latency).

Usage: bench/abuse.py [--bin target/release/jinri] [--measure-only]
Exit status 0 when every defence held; 1 otherwise. `--measure-only` prints the latency figures
alone (for a build that predates the defences). Standard library only.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

PASSWORD = "abuse-bench-passphrase-2026"
results = []


def check(name, ok, detail=""):
    results.append((name, ok))
    print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""), flush=True)


class Site:
    """One server process over its own database, on a free loopback port."""

    def __init__(self, binary, db, env=None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        full = dict(os.environ)
        full.update(
            {
                "LEPTOS_SITE_ROOT": "target/site",
                "LEPTOS_SITE_ADDR": f"127.0.0.1:{self.port}",
                "DATABASE_URL": f"sqlite://{db}",
                "JINRI_SITE_BASE_URL": self.base,
                "RUST_LOG": "warn",
            }
        )
        full.update(env or {})
        self.log = open(f"{db}.log", "w")
        self.proc = subprocess.Popen([binary], env=full, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"the server on {db} did not start; see {db}.log")

    def alive(self):
        return self.proc.poll() is None and self.get("/healthz")[0] == 200

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()

    def conn(self, src="127.0.0.1", timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=(src, 0))

    def get(self, path, src="127.0.0.1", cookie=None):
        c = self.conn(src)
        headers = {"Cookie": cookie} if cookie else {}
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body, dict((k.lower(), v) for k, v in r.getheaders())

    def call(self, endpoint, form, src="127.0.0.1", cookie=None):
        """A server function as the browser bundle calls it: form in, JSON out."""
        c = self.conn(src)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        if cookie:
            headers["Cookie"] = cookie
        c.request("POST", endpoint, body=urllib.parse.urlencode(form), headers=headers)
        r = c.getresponse()
        body = r.read()
        set_cookie = r.getheader("Set-Cookie") or ""
        c.close()
        try:
            data = json.loads(body)
        except ValueError:
            data = body.decode(errors="replace")
        return r.status, data, set_cookie.split(";")[0]

    def register(self, name, src, password=PASSWORD):
        status, data, cookie = self.call("/api/auth/register", {"name": name, "password": password, "next": "/"}, src)
        return status, data, cookie

    def last_event_id(self, article):
        status, data, _ = self.call("/api/comments/list", {"article_id": article})
        return data["last_event_id"] if status == 200 else None


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples) * 1000, samples[-1] * 1000


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def measure(site):
    """What honest readers feel: one login at a time, one post at a time."""
    status, data, cookie = site.register("honest_reader", "127.0.0.2")
    assert status == 200, (status, data)
    logins = [timed(lambda: site.call("/api/auth/login", {"name": "honest_reader", "password": PASSWORD}, "127.0.0.2"))[0] for _ in range(20)]
    posts = []
    for i in range(20):
        t, (status, data, _) = timed(
            lambda: site.call("/api/comments/post", {"article_id": "1", "body": f"诚实读者的第 {i} 条评论"}, "127.0.0.2", cookie)
        )
        assert status == 200, (status, data)
        posts.append(t)
    likes = []
    for _ in range(10):
        t, (status, data, _) = timed(lambda: site.call("/api/comments/like", {"comment_id": "1"}, "127.0.0.2", cookie))
        assert status == 200, (status, data)
        likes.append(t)
    for name, samples in [("login", logins), ("post a comment", posts), ("like", likes)]:
        p50, worst = percentiles(samples)
        print(f"COST  {name}: p50 {p50:.1f} ms, max {worst:.1f} ms ({len(samples)} one at a time)", flush=True)


def burst(n, fn):
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(fn, range(n)))


def attacks_on_accounts(site):
    # 3. A burst of registrations from one address: exactly the hourly limit (5) gets through.
    statuses = burst(30, lambda i: site.register(f"burst_{i}", "127.0.0.3")[0])
    check("30 concurrent registrations from one address create exactly 5 accounts",
          statuses.count(200) == 5 and statuses.count(429) == 25, f"{sorted(statuses)}")

    # 3. A burst of wrong passwords for one account: all counted, exactly 10 verified.
    assert site.register("burst_owner", "127.0.0.4")[0] == 200
    wrong = burst(30, lambda i: site.call("/api/auth/login", {"name": "burst_owner", "password": f"wrong-{i}-xyz"}, "127.0.0.5")[0])
    check("30 concurrent wrong passwords for one account from one address: 10 checked, 20 refused",
          wrong.count(400) == 10 and wrong.count(429) == 20, f"{sorted(wrong)}")

    # 4. A stranger's 50 failures from five addresses do not lock the owner out.
    assert site.register("locked_owner", "127.0.0.6")[0] == 200
    for a in range(5):
        for i in range(10):
            site.call("/api/auth/login", {"name": "locked_owner", "password": f"guess-{a}-{i}"}, f"127.0.1.{a + 1}")
    t, (status, _, _) = timed(lambda: site.call("/api/auth/login", {"name": "locked_owner", "password": PASSWORD}, "127.0.0.7"))
    check("after a stranger's 50 failures the owner signs in from their own address", status == 200,
          f"status {status} in {t * 1000:.0f} ms")

    # 7. Lookalike and reserved names.
    assert site.register("Melan", "127.0.0.8")[0] == 200
    refused = {}
    for name in ["MeIan", "管理員", "今曰", "admin1", "官方客服", "jinri_official", "ad\u200bmin", "名\u202e字"]:
        status, data, _ = site.register(name, "127.0.0.9")
        refused[name] = status
    check("lookalike, traditional-form and reserved names are refused",
          all(s == 400 for s in refused.values()), f"{refused}")

    # 8. A breached password.
    status, data, _ = site.register("honest_newcomer", "127.0.0.10", password="password123")
    check("password123 is refused with a reason in Chinese", status == 400 and "密码" in json.dumps(data, ensure_ascii=False),
          f"{status} {json.dumps(data, ensure_ascii=False)[:120]}")


def attacks_on_comments(site):
    status, _, cookie = site.register("like_storm", "127.0.0.11")
    assert status == 200
    _, _, author = site.register("like_target", "127.0.0.12")
    status, comment, _ = site.call("/api/comments/post", {"article_id": "1", "body": "一条会被点赞很多次的评论"}, "127.0.0.12", author)
    assert status == 200, comment
    cid = str(comment["id"])

    # 5. A like then an unlike within a second costs no event.
    before = site.last_event_id(1)
    site.call("/api/comments/like", {"comment_id": cid}, "127.0.0.11", cookie)
    site.call("/api/comments/like", {"comment_id": cid}, "127.0.0.11", cookie)
    time.sleep(2)
    after = site.last_event_id(1)
    check("a like taken back within a second writes no live event", before == after, f"last event {before} → {after}")

    # 5. Likes per reader per minute (30; two are spent above).
    statuses = [site.call("/api/comments/like", {"comment_id": cid}, "127.0.0.11", cookie)[0] for _ in range(30)]
    check("likes past 30 a minute are refused", statuses[:28].count(200) == 28 and statuses[28:] == [429, 429], f"{statuses}")

    # 5. Likes on a deleted comment.
    site.call("/api/comments/delete", {"comment_id": cid}, "127.0.0.12", author)
    status, data, _ = site.call("/api/comments/like", {"comment_id": cid}, "127.0.0.12", author)
    check("a like on a deleted comment is refused", 400 <= status < 500, f"{status}")

    # 7. Bidi controls and user-info links in a comment.
    _, _, writer = site.register("bidi_writer", "127.0.0.13")
    body = "看这里 \u202eevil\u202c https://example.com@evil.example/ 结束"
    status, c, _ = site.call("/api/comments/post", {"article_id": "1", "body": body}, "127.0.0.13", writer)
    check("bidi overrides are stripped from a comment", status == 200 and "\u202e" not in c["body"], f"{status}")
    _, page, _ = site.get("/article/1")
    check("a link with user-info is not made clickable", b'href="https://example.com@evil.example/' not in page)


def attacks_on_threads(site, deep, wide):
    # 1. A 10,000-deep reply chain renders everywhere and the process stays up.
    t, (status, page, _) = timed(lambda: site.get(f"/article/{deep}"))
    check("the article with a 10,000-deep reply chain renders", status == 200, f"{len(page)} bytes in {t * 1000:.0f} ms")
    status, data, _ = site.call("/api/comments/list", {"article_id": deep})
    check("its comment list answers", status == 200, f"status {status}")
    root = data["comments"][0]["id"] if status == 200 else 0
    seen, after, deepest = 0, None, None
    for _ in range(1000):
        form = {"root_id": root} if after is None else {"root_id": root, "after": after}
        status, page_, _ = site.call("/api/comments/replies", form)
        if status != 200:
            break
        seen += len(page_["replies"])
        if page_["replies"]:
            after = deepest = page_["replies"][-1]["id"]
        if not page_["has_more"]:
            break
    check("every reply of the chain is reachable through the replies endpoint", seen == 9999, f"{seen} replies")
    _, _, cookie = site.register("chain_reader", "127.0.0.14")
    last = site.last_event_id(deep)
    stream = site.conn(timeout=10)
    stream.request("GET", f"/api/comments/stream?article_id={deep}&after={last}")
    resp = stream.getresponse()
    status, reply, _ = site.call("/api/comments/post", {"article_id": deep, "parent_id": deepest, "body": "第一万零一层"}, "127.0.0.14", cookie)
    got = b""
    deadline = time.time() + 5
    while time.time() < deadline and b"\xe7\xac\xac\xe4\xb8\x80\xe4\xb8\x87\xe9\x9b\xb6\xe4\xb8\x80\xe5\xb1\x82" not in got:
        got += resp.fp.read1(65536)
    stream.close()
    check("a reply to the deepest comment arrives on the live stream", status == 200 and "第一万零一层".encode() in got)
    check("the server is still up after the deep chain", site.alive())

    # 2. 1,000 replies of 2,000 characters under one comment: bounded page, all reachable.
    first = site.get(f"/article/{wide}")
    second = site.get(f"/article/{wide}")
    check("the article with 1,000 long replies answers 200 to guests, twice (second from the cache)",
          first[0] == 200 and second[0] == 200 and second[2].get("x-cache") == "hit",
          f"{first[0]}, {second[0]} ({second[2].get('x-cache')})")
    check("its page stays under 1 MiB", len(first[1]) < 1 << 20, f"{len(first[1])} bytes")
    status, data, _ = site.call("/api/comments/list", {"article_id": wide})
    root = data["comments"][0]["id"]
    ids = set()
    for n in range(1, 100):
        status, html, _ = site.get(f"/comment/{root}?page={n}")
        if status != 200:
            break
        ids.update(part.split(b'"', 1)[0] for part in html.split(b'id="c')[1:])
    ids.discard(str(root).encode())
    check("every one of the 1,000 replies is reachable without JavaScript (/comment/ROOT?page=N)", len(ids) == 1000, f"{len(ids)} replies")

    # 9. Out-of-range pages and padded queries.
    statuses = [site.get(p)[0] for p in ["/?page=0", f"/article/{wide}?page=0", f"/article/{wide}?page=9", "/channel/au?page=0"]]
    check("page 0 and pages past the end answer 404", statuses == [404] * 4, f"{statuses}")
    site.get("/?page=2")
    hits = [site.get(p)[2].get("x-cache") for p in ["/?page=2&&&", "/?&page=2", "/?page=2&"]]
    check("padded queries are served from the page's one cache entry", hits == ["hit"] * 3, f"{hits}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/jinri")
    ap.add_argument("--measure-only", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="jinri-abuse-")
    sites = []
    try:
        plain = Site(args.bin, f"{tmp}/plain.db", {"JINRI_COMMENTS_MIN_INTERVAL_SECS": "0"})
        sites.append(plain)
        measure(plain)
        if args.measure_only:
            return 0
        accounts = Site(args.bin, f"{tmp}/accounts.db")
        sites.append(accounts)
        attacks_on_accounts(accounts)
        attacks_on_comments(accounts)
        t = time.perf_counter()
        out = subprocess.run([args.bin, "generate", f"{tmp}/threads.db", "--deep-chain", "10000", "--wide-thread", "1000", "--reply-chars", "2000"],
                             check=True, capture_output=True, text=True).stdout
        ids = dict(w.split("=") for w in out.split() if "=" in w)
        print(f"      generated the abusive threads in {time.perf_counter() - t:.1f} s: {out.strip()}")
        threads = Site(args.bin, f"{tmp}/threads.db")
        sites.append(threads)
        attacks_on_threads(threads, ids["deep"], ids["wide"])
        print("NOTE  IPv6 /64 counting is covered by unit tests: loopback has one IPv6 address (::1)")
    finally:
        for s in sites:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    failed = [n for n, ok in results if not ok]
    print(f"\nabuse: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
