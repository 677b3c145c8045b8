//! The server binary as an operator runs it: configuration errors, start-up, the facts command.
//! The binary runs on the tests' backend (`common::database_url`), except where it is about
//! SQLite files (generate, backup, a database that cannot be migrated).
#![cfg(feature = "ssr")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The binary over the database of the tests' backend for folder `dir`.
fn jinri(dir: &std::path::Path) -> Command {
    let url = tokio::runtime::Runtime::new().unwrap().block_on(common::database_url(dir));
    jinri_on(&url)
}

/// The binary over the SQLite file `jinri.db` in `dir`, whatever the tests' backend.
fn jinri_sqlite(dir: &std::path::Path) -> Command {
    jinri_on(&format!("sqlite://{}", dir.join("jinri.db").display()))
}

fn jinri_on(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jinri"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .env_remove("JINRI_CONFIG");
    cmd
}

#[test]
fn a_bad_configuration_value_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, key) in [
        ("JINRI_SITE_TIMEZONE", "Mars/Olympus", "site.timezone"),
        ("LEPTOS_SITE_ADDR", "not-an-address", "server.addr"),
        ("JINRI_DATABASE_SEED_DEMO", "maybe", "database.seed_demo"),
        ("DATABASE_URL", "mysql://x", "database.url"),
    ] {
        let out = jinri(dir.path()).env(var, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key), "{var}={value}: {err}");
    }
}

#[test]
fn a_missing_configuration_file_named_by_jinri_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = jinri(dir.path()).env("JINRI_CONFIG", "/nonexistent/jinri.toml").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/jinri.toml"));
}

#[test]
fn the_binary_prints_its_address_serves_pages_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = jinri(dir.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("address printed").to_owned();
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut log = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
        log
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
        client.get(&url).send().await.unwrap().status().as_u16()
    });
    assert_eq!(status, 200);
    // An open live stream must not hold the shutdown up: the server ends it.
    let stream = rt.block_on(async {
        let client = reqwest::Client::new();
        client.get(format!("{url}api/comments/stream?article_id=1")).send().await.unwrap()
    });
    assert_eq!(stream.status(), 200);
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(code) = child.try_wait().unwrap() {
            assert!(code.success(), "exit status {code}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The stream ended cleanly (no error), so a browser reconnects to the next server.
    let rest = rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), stream.text()).await });
    assert!(matches!(rest, Ok(Ok(_))), "{rest:?}");
    // Nothing went wrong, so the log says nothing did (the start-up's listing of the routes,
    // which renders the app without a request, once logged a missing state as an error).
    let log = log.join().unwrap();
    assert!(!log.contains("ERROR"), "{log}");
}

#[test]
fn the_variables_cargo_leptos_sets_name_the_bundle_and_the_builds_compressed_copies_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let pkg = site.join("bundle");
    std::fs::create_dir_all(&pkg).unwrap();
    let css = "body { color: #c8161d; }\n".repeat(400);
    std::fs::write(pkg.join("app.css"), &css).unwrap();
    // What `cargo leptos build --release --precompress` writes beside it.
    std::fs::write(pkg.join("app.css.br"), "the build's brotli copy").unwrap();
    let mut cmd = jinri(dir.path());
    cmd.env("LEPTOS_SITE_ROOT", &site)
        .env("LEPTOS_SITE_PKG_DIR", "bundle")
        .env("LEPTOS_OUTPUT_NAME", "app")
        .env("LEPTOS_HASH_FILE_NAME", "no-such-hash-file.txt");
    let (mut child, base) = start_cmd(cmd);
    let (rt, client) = driver();
    rt.block_on(async {
        let page = client.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("/bundle/app.css"), "the stylesheet under LEPTOS_SITE_PKG_DIR and LEPTOS_OUTPUT_NAME");
        assert!(page.contains("/bundle/app.js") && !page.contains("/pkg/"), "and the bundle");
        let resp = client.get(format!("{base}/bundle/app.css")).header("accept-encoding", "br").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-encoding"], "br");
        assert_eq!(resp.text().await.unwrap(), "the build's brotli copy");
        let plain = client.get(format!("{base}/bundle/app.css")).send().await.unwrap();
        assert_eq!(plain.text().await.unwrap(), css);
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let written: Vec<_> = std::fs::read_dir(&pkg).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(written.len(), 2, "the server writes nothing into the site folder: {written:?}");
}

#[test]
fn a_bad_leptos_variable_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = jinri(dir.path()).env("LEPTOS_RELOAD_PORT", "not-a-port").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LEPTOS_"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_facts_command_sets_what_the_top_bar_shows() {
    let dir = tempfile::tempdir().unwrap();
    let out = jinri(dir.path()).args(["facts", "set", "weather", "18.2°C-24.6°C"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = String::from_utf8_lossy(&jinri(dir.path()).arg("facts").output().unwrap().stdout).into_owned();
    assert!(listed.contains("weather\t18.2°C-24.6°C"), "{listed}");
    let out = jinri(dir.path()).args(["facts", "set", "humidity", "80%"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown fact"));
}

#[test]
fn the_user_command_grants_and_revokes_roles_and_keeps_the_last_admin() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = jinri(dir.path()).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // A reader of the demo content, named in another case and with spaces around.
    let (ok, said, err) = run(&["user", "grant", " sammie傻咪 ", "admin"]);
    assert!(ok, "{err}");
    assert!(said.contains("admin"), "{said}");
    assert!(run(&["user", "grant", "善結仁義", "editor"]).0);
    let (_, staff, _) = run(&["user", "staff"]);
    assert!(staff.contains("Sammie傻咪\tadmin (") && staff.contains("command line"), "{staff}");
    assert!(staff.contains("善結仁義\teditor ("), "{staff}");
    let (ok, _, err) = run(&["user", "revoke", "Sammie傻咪", "admin"]);
    assert!(!ok && err.contains("last admin"), "{err}");
    let (ok, _, err) = run(&["user", "grant", "nobody_at_all", "editor"]);
    assert!(!ok && err.contains("no reader"), "{err}");
    let (ok, _, err) = run(&["user", "grant", "善結仁義", "root"]);
    assert!(!ok && err.contains("unknown role"), "{err}");
    assert!(run(&["user", "revoke", "善結仁義", "editor"]).0);
    let (_, staff, _) = run(&["user", "staff"]);
    assert!(!staff.contains("善結仁義"), "{staff}");
}

#[test]
fn the_generate_command_makes_a_new_database_with_abusive_threads_and_never_touches_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("abuse").join("jinri.db");
    let file = file.to_str().unwrap();
    let args = ["generate", file, "--deep-chain", "300", "--wide-thread", "20", "--reply-chars", "50"];
    let out = jinri_sqlite(dir.path()).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let ids: Vec<i64> = printed.split(' ').map(|w| w.split('=').nth(1).unwrap().parse().unwrap()).collect();
    assert!(printed.starts_with("deep=") && printed.contains(" wide="), "{printed}");
    let (rt, _) = driver();
    let counts = rt.block_on(async {
        let pool = common::open(&format!("sqlite://{file}")).await;
        let mut counts = Vec::new();
        for id in &ids {
            let n: (i64, i64) = on_db!(&pool, p => sqlx::query_as(
                "SELECT comment_count, (SELECT COUNT(*) FROM comments WHERE article_id = $1) FROM articles WHERE id = $1",
            )
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap());
            counts.push(n);
        }
        let seeded = common::scalar(&pool, "SELECT COUNT(*) FROM articles").await;
        assert!(seeded >= 14, "the demo content is there too");
        counts
    });
    assert_eq!(counts, vec![(300, 300), (21, 21)]);
    // Never over an existing file, whatever it holds.
    let before = std::fs::read(file).unwrap();
    let again = jinri_sqlite(dir.path()).args(args).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("new database"));
    assert_eq!(std::fs::read(file).unwrap(), before);
    let unasked = dir.path().join("unasked.db");
    let nothing = jinri_sqlite(dir.path()).args(["generate", unasked.to_str().unwrap()]).output().unwrap();
    assert!(!nothing.status.success() && !unasked.exists(), "nothing asked, nothing made");
}

/// Starts the binary over `dir` and returns it with its address.
fn start(dir: &std::path::Path) -> (std::process::Child, String) {
    start_cmd(jinri(dir))
}

fn start_cmd(mut cmd: Command) -> (std::process::Child, String) {
    let mut child = cmd.env("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0").stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("address printed").to_owned();
    (child, url.trim_end_matches('/').to_owned())
}

/// A runtime and an HTTP client (20 s per request) to drive a server process from a test.
fn driver() -> (tokio::runtime::Runtime, reqwest::Client) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    (tokio::runtime::Runtime::new().unwrap(), client)
}

/// Registers `name` and returns its session cookie (`name=value`).
async fn register(client: &reqwest::Client, base: &str, name: &str) -> String {
    let resp = client
        .post(format!("{base}/api/auth/register"))
        .header("accept", "application/json")
        .form(&[("name", name), ("password", "今日新闻真好看2021")])
        .send()
        .await
        .unwrap();
    resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

#[test]
fn acknowledged_comments_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(dir.path());
    let (rt, client) = driver();
    let acknowledged = rt.block_on(async {
        let cookie = register(&client, &base, "kill_test").await;
        let mut acknowledged = 0;
        for i in 0..30 {
            let resp = client
                .post(format!("{base}/api/comments/post"))
                .header("accept", "application/json")
                .header("cookie", &cookie)
                .form(&[("article_id", "5"), ("body", &format!("持久 {i}"))])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            acknowledged += 1;
        }
        acknowledged
    });
    // No graceful shutdown: the process dies at once, right after the last acknowledgement.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut again, base) = start(dir.path());
    let stored = rt.block_on(async {
        let mut stored = 0;
        for page in ["1", "2"] {
            let resp = client
                .post(format!("{base}/api/comments/list"))
                .form(&[("article_id", "5"), ("sort", "new"), ("page", page)])
                .send()
                .await
                .unwrap();
            let page: serde_json::Value = resp.json().await.unwrap();
            let comments = page["comments"].as_array().unwrap();
            stored += comments.iter().filter(|c| c["body"].as_str().unwrap_or("").starts_with("持久 ")).count();
        }
        stored
    });
    again.kill().unwrap();
    again.wait().unwrap();
    assert_eq!(stored, acknowledged);
}

#[test]
fn a_backup_taken_while_the_site_runs_is_a_complete_database() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start_cmd(jinri_sqlite(dir.path()));
    let (rt, client) = driver();
    rt.block_on(async {
        let resp = client.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
    });
    let file = dir.path().join("backup.db");
    let out = jinri_sqlite(dir.path()).args(["backup", file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A second backup to the same file is refused rather than overwriting it.
    let again = jinri_sqlite(dir.path()).args(["backup", file.to_str().unwrap()]).output().unwrap();
    assert!(!again.status.success());
    child.kill().unwrap();
    child.wait().unwrap();
    // Restore = start the site on the copy: it has every article and comment.
    let count = |db: std::path::PathBuf| {
        rt.block_on(async move {
            let pool = common::open(&format!("sqlite://{}", db.display())).await;
            (
                common::scalar(&pool, "SELECT COUNT(*) FROM articles").await,
                common::scalar(&pool, "SELECT COUNT(*) FROM comments").await,
            )
        })
    };
    let (articles, comments) = count(file.clone());
    assert!(articles >= 12 && comments >= 5);
    assert_eq!(count(dir.path().join("jinri.db")), (articles, comments));
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored.path().join("jinri.db")).unwrap();
    let (mut child, base) = start_cmd(jinri_sqlite(restored.path()));
    let status = rt.block_on(async { client.get(format!("{base}/article/1")).send().await.unwrap().status().as_u16() });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 200);
}

/// Reads from `s` until the server closes the connection or `within` passes; returns what came.
fn read_until_closed(s: &mut std::net::TcpStream, within: Duration) -> Option<String> {
    use std::io::Read;
    s.set_read_timeout(Some(within)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(String::from_utf8_lossy(&got).into_owned())
            }
            Err(_) => return None,
        }
    }
}

#[test]
fn slow_clients_are_cut_off_while_everyone_else_is_served() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child =
        jinri(dir.path()).env("JINRI_SERVER_CLIENT_TIMEOUT_SECS", "1").stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("address printed").to_owned();
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    // Headers that never end.
    let mut headers = std::net::TcpStream::connect(&addr).unwrap();
    headers.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1").unwrap();
    // A body that never comes.
    let mut body = std::net::TcpStream::connect(&addr).unwrap();
    body.write_all(b"POST /api/comments/list HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\narticle_id=1").unwrap();
    // Meanwhile a normal reader gets the front page.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async { reqwest::get(&url).await.unwrap().status().as_u16() });
    assert_eq!(status, 200);
    let started = std::time::Instant::now();
    let cut = read_until_closed(&mut headers, Duration::from_secs(8));
    assert!(cut.is_some(), "a client stuck in its headers is disconnected");
    let answer = read_until_closed(&mut body, Duration::from_secs(8)).expect("a client stuck in its body is answered");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("请求超时"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(8));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_database_that_cannot_be_migrated_leaves_the_site_answering_503_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    // A table in the way of the first migration.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
        let url = format!("sqlite://{}", dir.path().join("jinri.db").display());
        let mut conn =
            url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().create_if_missing(true).connect().await.unwrap();
        sqlx::query("CREATE TABLE users (something_else TEXT)").execute(&mut conn).await.unwrap();
    });
    let mut child = jinri_sqlite(dir.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("address printed").to_owned();
    let (page, health, post) = rt.block_on(async {
        let page = reqwest::get(format!("{url}article/1")).await.unwrap();
        let page = (page.status().as_u16(), page.headers().contains_key("retry-after"), page.text().await.unwrap());
        let health = reqwest::get(format!("{url}healthz")).await.unwrap().status().as_u16();
        let post = reqwest::Client::new()
            .post(format!("{url}api/comments/post"))
            .form(&[("article_id", "1"), ("body", "你好")])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        (page, health, post)
    });
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(page.0, 503);
    assert!(page.1, "Retry-After tells browsers and crawlers when to come back");
    assert!(page.2.contains("网站维护中") && page.2.contains("lang=\"zh-CN\""), "{}", page.2);
    assert_eq!(health, 503);
    assert_eq!(post, 503);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("migration failed") && log.contains("users"), "the log says what happened: {log}");
}

#[test]
fn posts_in_flight_when_sigterm_arrives_are_answered_and_every_acknowledged_one_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(dir.path());
    let (rt, client) = driver();
    let cookies: Vec<String> = rt.block_on(async {
        let mut cookies = Vec::new();
        for i in 0..5 {
            cookies.push(register(&client, &base, &format!("term_{i}")).await);
        }
        cookies
    });
    // Five readers post as fast as they can; SIGTERM arrives in the middle.
    let pid = child.id().to_string();
    let (acknowledged, statuses) = rt.block_on(async {
        let posts = cookies.iter().enumerate().map(|(r, cookie)| {
            let (client, base, cookie) = (client.clone(), base.clone(), cookie.clone());
            tokio::spawn(async move {
                let mut ok = Vec::new();
                let mut statuses = Vec::new();
                for i in 0..200 {
                    let body = format!("停机 {r}-{i}");
                    let sent = client
                        .post(format!("{base}/api/comments/post"))
                        .header("accept", "application/json")
                        .header("cookie", &cookie)
                        .form(&[("article_id", "6"), ("body", body.as_str())])
                        .send()
                        .await;
                    match sent {
                        Ok(resp) => {
                            statuses.push(resp.status().as_u16());
                            if resp.status() == 200 {
                                ok.push(body);
                            }
                        }
                        // Refused once the server stopped accepting: never acknowledged.
                        Err(_) => break,
                    }
                }
                (ok, statuses)
            })
        });
        let posts: Vec<_> = posts.collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let mut acknowledged = Vec::new();
        let mut statuses = Vec::new();
        for p in posts {
            let (ok, s) = p.await.unwrap();
            acknowledged.extend(ok);
            statuses.extend(s);
        }
        (acknowledged, statuses)
    });
    assert!(child.wait().unwrap().success(), "a clean exit after SIGTERM");
    assert!(!acknowledged.is_empty(), "posts were made before the signal");
    assert!(statuses.iter().all(|s| *s < 500), "no post failed with a server error: {statuses:?}");
    let (mut again, base) = start(dir.path());
    let stored = rt.block_on(async {
        let mut stored = Vec::new();
        for page in 1.. {
            let resp = client
                .post(format!("{base}/api/comments/list"))
                .form(&[("article_id", "6"), ("sort", "new"), ("page", &page.to_string())])
                .send()
                .await
                .unwrap();
            let page: serde_json::Value = resp.json().await.unwrap();
            let comments = page["comments"].as_array().unwrap();
            if comments.is_empty() {
                break;
            }
            stored.extend(comments.iter().filter_map(|c| c["body"].as_str().map(str::to_owned)));
        }
        stored
    });
    again.kill().unwrap();
    again.wait().unwrap();
    for body in &acknowledged {
        assert!(stored.contains(body), "acknowledged before the stop but not kept: {body}");
    }
}

#[test]
fn a_like_pending_at_sigterm_is_announced_before_the_server_stops() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(dir.path());
    let (rt, client) = driver();
    let comment = rt.block_on(async {
        let cookie = register(&client, &base, "sigterm_liker").await;
        let call = |endpoint: &str, form: &[(&str, &str)]| {
            client
                .post(format!("{base}{endpoint}"))
                .header("accept", "application/json")
                .header("cookie", &cookie)
                .form(form)
                .send()
        };
        let posted: serde_json::Value = call("/api/comments/post", &[("article_id", "2"), ("body", "停机前点赞")])
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = posted["id"].as_i64().unwrap();
        let liked = call("/api/comments/like", &[("comment_id", &id.to_string())]).await.unwrap();
        assert_eq!(liked.status(), 200);
        id
    });
    // At once, well before the announcement's second has passed.
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success(), "a clean exit after SIGTERM");
    let kinds: Vec<String> = rt.block_on(async {
        let pool = common::open(&common::database_url(dir.path()).await).await;
        on_db!(&pool, p => sqlx::query_scalar("SELECT kind FROM comment_events WHERE comment_id = $1 ORDER BY seq")
            .bind(comment)
            .fetch_all(p)
            .await
            .unwrap())
    });
    assert_eq!(kinds, vec!["created", "liked"]);
}

#[test]
fn the_running_site_publishes_a_scheduled_article_at_its_time_and_its_cached_pages_follow() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start(dir.path());
    let (rt, client) = driver();
    let cookie = rt.block_on(register(&client, &base, "ding_shi_bian_ji"));
    assert!(jinri(dir.path()).args(["user", "grant", "ding_shi_bian_ji", "editor"]).output().unwrap().status.success());
    let call = |endpoint: &str, form: &[(&str, &str)]| {
        rt.block_on(async {
            let resp = client
                .post(format!("{base}{endpoint}"))
                .header("accept", "application/json")
                .header("cookie", &cookie)
                .form(form)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        })
    };
    let get = |path: &str| {
        rt.block_on(async { client.get(format!("{base}{path}")).send().await.unwrap().text().await.unwrap() })
    };
    let (status, id) = call(
        "/api/newsroom/save",
        &[
            ("id", ""),
            ("title", "定时发布的晚间新闻"),
            ("channel", "au"),
            ("summary", "摘要"),
            ("source", ""),
            ("original_url", ""),
            ("body", "正文"),
        ],
    );
    assert_eq!(status, 200, "{id}");
    let tz: chrono_tz::Tz = "Australia/Sydney".parse().unwrap();
    let in_two_hours = jinri::server::time::local_input(tz, jinri::server::time::now_unix() + 7_200);
    assert_eq!(call("/api/newsroom/publish", &[("id", &id), ("at", &in_two_hours)]).0, 200);
    // The front page is rendered and cached without it.
    for _ in 0..2 {
        assert!(!get("/").contains("定时发布的晚间新闻"));
    }
    // Its time comes (moved to a second ago, as two hours passing would): the scheduler
    // publishes it within a second, and the cached front page goes stale with it.
    rt.block_on(async {
        let db = common::open(&common::database_url(dir.path()).await).await;
        let moved =
            common::execute(&db, "UPDATE articles SET published_at = published_at - 7201 WHERE state = 'scheduled'")
                .await;
        assert_eq!(moved, 1);
    });
    let started = std::time::Instant::now();
    while !get("/").contains("定时发布的晚间新闻") {
        assert!(started.elapsed() < Duration::from_secs(5), "not published within 5 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(get(&format!("/article/{id}")).contains("定时发布的晚间新闻"));
    child.kill().unwrap();
    child.wait().unwrap();
}
