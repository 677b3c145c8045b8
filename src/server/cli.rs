//! Start-up and the command line.

use super::{db, routes, time, AppState, Config};
use leptos::config::LeptosOptions;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str = "usage:
  jinri                        run the site (configuration: Leptos.toml and environment)
  jinri facts                  list the top bar's facts
  jinri facts set KEY VALUE    set a fact (weather, exchange_rate, city)
  jinri user staff             list the readers who hold a newsroom role
  jinri user grant NAME ROLE   give the reader NAME a role: editor, moderator or admin (how the first
                               admin is made; admins grant and revoke on the site's /admin/users)
  jinri user revoke NAME ROLE  take a role back (never the last admin's)
  jinri import PATH            import articles from a Markdown file with front matter, or from a folder's
                               .md files; importing the same files again changes nothing (README: Writing articles)
  jinri export PATH            write every article as such a file into the folder PATH (made if missing)
  jinri backup FILE            write a consistent copy of the database to FILE (safe while the site runs)
  jinri copy-to URL            copy the database (safe while the site runs) into the empty PostgreSQL
                               database at URL (postgres://user:password@host/database) and check the counts
  jinri generate FILE [--deep-chain N] [--wide-thread N] [--reply-chars M]
                               create a NEW database FILE (refused if it exists) with the demo content and
                               abusive threads: a chain of N replies to replies, one comment with N replies
                               of M `&` (default 2000); prints the articles' ids as deep=ID wide=ID";

pub async fn main() -> ExitCode {
    // Logs go to stderr; stdout carries only what a command prints for its user.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Needs no configuration: it writes only the new file it is given.
    if let ["generate", file, options @ ..] = args.as_slice() {
        return finish(generate(file, options).await);
    }
    let config = match Config::load() {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("jinri: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.as_slice() {
        [] => serve(config).await,
        ["facts"] => facts(config, None).await,
        ["facts", "set", key, value] => facts(config, Some((key, value))).await,
        ["user", "staff"] => staff(config).await,
        ["user", action @ ("grant" | "revoke"), name, role] => {
            change_role(config, action == &"grant", name, role).await
        }
        ["backup", file] => backup(config, file).await,
        ["import", path] => import(config, path).await,
        ["export", path] => export(config, path).await,
        ["copy-to", url] => copy_to(config, url).await,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    finish(result)
}

fn finish(result: Result<(), BoxError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jinri: {e}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Opens, migrates and (if empty and allowed) seeds the database.
pub async fn open_database(config: &Config) -> Result<db::Db, BoxError> {
    let pool = db::connect(&config.database_url, config.max_connections, Duration::from_millis(config.busy_timeout_ms))
        .await
        .map_err(|e| format!("cannot open database {}: {e}", db::redacted(&config.database_url)))?;
    db::migrate(&pool).await.map_err(|e| format!("database migration failed: {e}"))?;
    if config.seed_demo {
        match db::seed::seed_if_empty(&pool, time::now_unix()).await? {
            db::seed::Seeded::Inserted { articles, comments } => {
                tracing::info!(articles, comments, "empty database filled with demo content")
            }
            db::seed::Seeded::Skipped => {}
        }
    }
    // Name skeletons cannot be computed in SQL: rows without one (seeded, generated, from
    // before migration 0005 or an older folding) get theirs here.
    match db::users::fill_skeletons(&pool).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(readers = n, "name skeletons computed"),
        // A database this process cannot write to still serves pages; registration fills
        // the missing skeletons in its own transaction before it compares names.
        Err(e) => tracing::warn!(error = %e, "name skeletons not computed at start-up"),
    }
    Ok(pool)
}

/// The Leptos options as cargo-leptos describes the build (`get_configuration`: every
/// `LEPTOS_…` variable it sets for the server it runs — output name, site root and package
/// folder, hash file, reload port, environment…), with the site's own keys layered on it: the
/// address and site folder of `Config` (which honour `LEPTOS_SITE_ADDR` and
/// `LEPTOS_SITE_ROOT` too) and the rule for hashed names (`hashed_names`). Without
/// `LEPTOS_ENV` the binary runs as production.
pub fn leptos_options(config: &Config) -> Result<LeptosOptions, BoxError> {
    let mut options = leptos::config::get_configuration(None)
        .map_err(|e| format!("Leptos configuration (LEPTOS_… environment variables): {e}"))?
        .leptos_options;
    if options.output_name.is_empty() {
        options.output_name = super::assets::OUTPUT_NAME.into();
    }
    if std::env::var_os("LEPTOS_ENV").is_none() {
        options.env = leptos::config::Env::PROD;
    }
    options.site_addr = config.addr;
    options.site_root = config.site_root.as_str().into();
    // `LEPTOS_HASH_FILES=false` is obeyed; otherwise the files decide.
    let refused = std::env::var("LEPTOS_HASH_FILES").is_ok_and(|v| v.trim() == "false");
    options.hash_files = !refused && hashed_names(&options);
    Ok(options)
}

/// Whether pages link the bundle's hashed names (`assets::hashed_names`). cargo-leptos
/// (`hash-files` in Cargo.toml) writes the hashes to `hash.txt` (`LEPTOS_HASH_FILE_NAME`)
/// beside the binary it built, and sets `LEPTOS_WATCH` for the server it runs under
/// `cargo leptos watch`.
fn hashed_names(options: &LeptosOptions) -> bool {
    let watching = std::env::var_os("LEPTOS_WATCH").is_some();
    let hashes = super::assets::hash_txt(options);
    super::assets::hashed_names(
        !cfg!(debug_assertions),
        watching,
        hashes.as_deref(),
        &pkg_dir(options),
        &options.output_name,
    )
}

fn pkg_dir(options: &LeptosOptions) -> std::path::PathBuf {
    std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref())
}

/// Builds the whole application around a database, as the server and the tests use it.
pub async fn app(config: Arc<Config>) -> Result<axum::Router, BoxError> {
    Ok(routes::router(state(config).await?))
}

/// The application's state around its database.
pub async fn state(config: Arc<Config>) -> Result<AppState, BoxError> {
    super::tasks::init();
    let pool = open_database(&config).await?;
    let hasher = super::auth::Hasher::new(config.auth.hash_concurrency);
    let fresh = super::flash::FormKey::fresh_secret()?;
    let secret = match super::db::secrets::get_or_create(&pool, "form_echo", &fresh).await {
        Ok(secret) => secret,
        // A database this process cannot write to still serves pages; flash cookies are then
        // signed with a key of this process only.
        Err(e) => {
            tracing::warn!(error = %e, "form flash key not stored; using one for this process only");
            fresh
        }
    };
    let state = AppState::new(super::state::Shared {
        pool,
        leptos_options: leptos_options(&config)?,
        hasher,
        // Half the pool at most for streams reading the log; the rest serves pages and posts.
        hub: super::live::Hub::new(config.max_connections as usize / 2),
        articles: Default::default(),
        queue: Default::default(),
        filter: Default::default(),
        likes: Arc::default(),
        page_cache: Arc::new(super::page_cache::PageCache::new(config.page_cache_entries)),
        form_key: super::flash::FormKey::new(secret.as_bytes()),
        config,
    });
    // Several processes share a PostgreSQL database: the changes of the others reach this
    // one's live streams and guest pages (`live::relay`). Listening starts before any page is
    // served, so no change made after that is missed.
    let notices =
        state.pool.notices().await.map_err(|e| format!("cannot listen for changes of other processes: {e}"))?;
    if let Some(notices) = notices {
        tokio::spawn(super::live::relay(state.clone(), notices));
    }
    Ok(state)
}

async fn serve(config: Arc<Config>) -> Result<(), BoxError> {
    let options = leptos_options(&config)?;
    // A database that cannot be opened or migrated does not stop the site: it answers every
    // page with 503 and a message in Chinese (static files still load), and the log says why.
    let (router, running) = match state(config.clone()).await {
        Ok(state) => (routes::router(state.clone()), Some(state)),
        Err(e) => {
            tracing::error!(error = %e, "database unavailable: every page answers 503 until the site is restarted");
            eprintln!("jinri: {e}\njinri: serving 503 (网站维护中) until the problem is fixed and the site restarted");
            (routes::unavailable_router(&config, &options), None)
        }
    };
    // Development links the plain names; a cargo-leptos build may have written only hashed ones.
    if !options.hash_files {
        if let Some(hashes) = super::assets::hash_txt(&options) {
            match super::assets::plain_copies(&hashes, &pkg_dir(&options), &options.output_name) {
                Ok(0) => {}
                Ok(n) => tracing::info!(copied = n, "bundle files copied to their plain names"),
                Err(e) => tracing::warn!(error = %e, "bundle files not copied to their plain names"),
            }
        }
    }
    let listener = listen(config.addr).map_err(|e| format!("cannot listen on {} (server.addr): {e}", config.addr))?;
    let addr = listener.local_addr()?;
    println!("今日 Jinri is running at http://{addr}/");
    tracing::info!(%addr, "listening");
    if let Some(state) = &running {
        tokio::spawn(prune_tables(state.clone()));
        tokio::spawn(publish_scheduled(state.clone()));
    }
    let hub = running.as_ref().map(|s| s.hub.clone());
    let header_timeout = Duration::from_secs(config.client_timeout_secs);
    super::listen::serve(listener, router, header_timeout, async move {
        shutdown_signal().await;
        // Live streams never end by themselves: close them so in-flight requests can finish.
        if let Some(hub) = hub {
            hub.close();
        }
    })
    .await;
    // Everything in flight has finished: announce pending likes (`server::likes`), fold
    // SQLite's WAL into the database file and close.
    if let Some(state) = running {
        super::likes::flush_all(&state).await;
        if let Err(e) = state.pool.checkpoint().await {
            tracing::warn!(error = %e, "checkpoint at shutdown failed");
        }
        state.pool.close().await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Connections waiting to be accepted. After a restart every open page reconnects at once:
/// with the usual 1,024 a burst of a thousand overflowed the queue while the first ones were
/// served, and the dropped ones came back a second later (the kernel's retry). The kernel caps
/// it at `net.core.somaxconn`.
const BACKLOG: u32 = 4096;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Every second, publishes the scheduled articles whose time has come (`db::newsroom::publish_due`:
/// each is taken by one process) and makes every rendered page stale, here and in the other
/// processes. Ends when the site shuts down.
async fn publish_scheduled(state: AppState) {
    let closed = state.hub.closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            _ = &mut closed => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        match db::newsroom::publish_due(&state.pool, time::now_unix()).await {
            Ok(ids) if ids.is_empty() => {}
            Ok(ids) => {
                tracing::info!(articles = ?ids, "scheduled articles published");
                articles_changed(&state).await;
            }
            Err(e) => tracing::warn!(error = %e, "scheduled articles not published"),
        }
    }
}

/// After an article was published, changed or withdrawn: every page may show it (lists, 热门,
/// side columns, the article itself), so every rendered page of every process is stale.
pub async fn articles_changed(state: &AppState) {
    state.hub.invalidate_pages();
    if let Err(e) = state.pool.pages_changed().await {
        tracing::warn!(error = %e, "other processes not told of an article change");
    }
    // Heard by every process within a second even without notifications (SQLite, or a
    // listener that is reconnecting).
    if let Err(e) = db::facts::touch_articles(&state.pool, time::now_unix()).await {
        tracing::warn!(error = %e, "article change not recorded for the page cache");
    }
    state.page_cache.forget_facts();
}

/// Every few minutes, prunes what would otherwise grow without end (`prune`). Ends when the
/// site shuts down.
async fn prune_tables(state: AppState) {
    let closed = state.hub.closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            _ = &mut closed => return,
            _ = tokio::time::sleep(Duration::from_secs(300)) => {}
        }
        prune(&state.pool, &state.config, time::now_unix()).await;
    }
}

/// Drops the abuse-limit events (`db::limits`) past their window, so the table holds only what
/// the limits still count; the expired form flashes (`server::flash`), so what a reader typed
/// is not kept; the sessions that have ended; and the live log's events older than
/// `live.keep_events_days` (a reader whose last event is older reads the thread again,
/// `db::comments::Replay::gap`). A failure is logged and tried again next time.
pub async fn prune(pool: &db::Db, config: &Config, now: i64) {
    let auth = &config.auth;
    let windows = [
        ("register_ip", 3600),
        ("register_try_ip", 3600),
        ("login_pair", auth.login_window_secs),
        ("login_ip", auth.login_window_secs),
        ("login_account", auth.login_window_secs),
        ("like_user", 60),
        ("staff_change", 60),
        ("article_change", 60),
        ("figure_upload", 60),
        ("facts_change", 60),
        ("report_user", 60),
        ("moderation", 60),
        ("hide_all", 60),
    ];
    for (scope, window) in windows {
        if let Err(e) = db::limits::prune(pool, scope, now - window).await {
            tracing::warn!(error = %e, scope, "pruning old limit events failed");
        }
    }
    // Whatever scope a limit has, nothing older than the longest window counts any more: a
    // scope missing from the list above still cannot grow without end.
    let longest = windows.iter().map(|(_, w)| *w).max().unwrap_or(3600);
    if let Err(e) = db::limits::prune_all(pool, now - longest).await {
        tracing::warn!(error = %e, "pruning old limit events failed");
    }
    if let Err(e) = db::flash::prune(pool, now).await {
        tracing::warn!(error = %e, "pruning expired form flashes failed");
    }
    match db::sessions::prune(pool, now, auth.session_idle_secs, auth.session_max_secs).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(sessions = n, "ended sessions pruned"),
        Err(e) => tracing::warn!(error = %e, "pruning ended sessions failed"),
    }
    match db::comments::prune_events(pool, now - config.keep_events_days * 86_400).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(events = n, "old live events pruned"),
        Err(e) => tracing::warn!(error = %e, "pruning old live events failed"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// `VACUUM INTO` writes a consistent snapshot while readers and writers carry on.
async fn backup(config: Arc<Config>, file: &str) -> Result<(), BoxError> {
    if std::path::Path::new(file).exists() {
        return Err(format!("{file} exists already; choose a new file name").into());
    }
    let pool = db::connect(&config.database_url, 1, Duration::from_millis(config.busy_timeout_ms))
        .await
        .map_err(|e| format!("cannot open database {}: {e}", db::redacted(&config.database_url)))?;
    db::backup(&pool, file).await.map_err(|e| format!("backup failed: {e}"))?;
    println!("backup written to {file}");
    Ok(())
}

/// `jinri import`: every file of PATH (`server::import`), with a progress bar on stderr, then
/// a summary and each refused file with its reason. Fails when any file was refused.
async fn import(config: Arc<Config>, path: &str) -> Result<(), BoxError> {
    use super::import::{self, Outcome};
    use std::io::Write;
    let files = import::files(std::path::Path::new(path)).map_err(|e| format!("cannot read {path}: {e}"))?;
    if files.is_empty() {
        return Err(format!("{path} holds no .md file").into());
    }
    let pool = open_database(&config).await?;
    let (tz, started) = (config.site.timezone, std::time::Instant::now());
    let (mut imported, mut updated, mut unchanged, mut refused) = (0, 0, 0, Vec::new());
    let total = files.len();
    let mut stderr = std::io::stderr();
    for (n, file) in files.iter().enumerate() {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parsed = match std::fs::metadata(file) {
            Ok(m) if m.len() > import::FILE_MAX => Err(format!("larger than {} bytes", import::FILE_MAX)),
            Ok(_) => match std::fs::read_to_string(file) {
                Ok(text) => import::parse(&text, stem, tz, time::now_unix()),
                Err(e) => Err(format!("cannot be read as UTF-8 text: {e}")),
            },
            Err(e) => Err(e.to_string()),
        };
        let folder = file.parent().unwrap_or(std::path::Path::new("."));
        let loaded = parsed.and_then(|article| import::load_figures(folder, &article).map(|f| (article, f)));
        let stored = match loaded {
            Ok((article, figures)) => import::store(&pool, &article, &figures, time::now_unix()).await?,
            Err(reason) => Err(reason),
        };
        match stored {
            Ok(Outcome::Imported(_)) => imported += 1,
            Ok(Outcome::Updated(_)) => updated += 1,
            Ok(Outcome::Unchanged(_)) => unchanged += 1,
            Err(reason) => refused.push((file.display().to_string(), reason)),
        }
        let done = n + 1;
        if done == total || done % 10 == 0 {
            let bar = "#".repeat(done * 30 / total);
            let _ = write!(stderr, "\r[{bar:<30}] {done}/{total}");
            let _ = stderr.flush();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = writeln!(stderr);
    println!(
        "imported {imported}, updated {updated}, unchanged {unchanged}, refused {} ({total} files in {secs:.1} s, {:.0} a second)",
        refused.len(),
        total as f64 / secs.max(0.001)
    );
    for (file, reason) in &refused {
        println!("refused {file}: {reason}");
    }
    if imported + updated > 0 {
        // A running site's cached pages may list these articles: every process reads this
        // within a second (`db::facts::ARTICLES_CHANGED`).
        db::facts::touch_articles(&pool, time::now_unix()).await?;
        let _ = pool.pages_changed().await;
    }
    pool.close().await;
    if refused.is_empty() {
        Ok(())
    } else {
        Err(format!("{} of {total} files refused", refused.len()).into())
    }
}

/// `jinri export`: every article into PATH as `ID.md` (`server::import::render`).
async fn export(config: Arc<Config>, path: &str) -> Result<(), BoxError> {
    let dir = std::path::Path::new(path);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {path}: {e}"))?;
    let pool = open_database(&config).await?;
    let articles = db::newsroom::export(&pool).await?;
    for a in &articles {
        // Each uploaded figure's largest file beside the article's (`ID-N.jpg`); a drawing of
        // the site's own is named by its address.
        let mut figures = Vec::new();
        for (i, f) in db::figures::list(&pool, a.id).await?.iter().enumerate() {
            let largest = f.srcset.as_deref().and_then(|s| s.rsplit(", ").next()).and_then(|l| l.split(' ').next());
            let file = match largest.and_then(|l| l.strip_prefix("/media/")) {
                Some(name) => {
                    let (_, bytes) = db::figures::media(&pool, name)
                        .await?
                        .ok_or_else(|| format!("figure {} of {}: file {name} is missing", i + 1, a.external_id))?;
                    let ext = name.rsplit('.').next().unwrap_or("jpg");
                    let file = format!("{}-{}.{ext}", a.external_id, i + 1);
                    let path = dir.join(&file);
                    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    file
                }
                None => format!("{}{}", super::import::SITE_FIGURE, f.src),
            };
            let words = |v: &Option<String>| v.clone().unwrap_or_default();
            figures.push(format!("{file} | {} | {} | {}", words(&f.caption), words(&f.credit), words(&f.alt)));
        }
        let file = dir.join(format!("{}.md", a.external_id));
        std::fs::write(&file, super::import::render(a, &figures, config.site.timezone))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    println!("exported {} articles to {path}", articles.len());
    pool.close().await;
    Ok(())
}

/// `jinri copy-to`: the site's database, as it is at one moment, copied into an empty
/// PostgreSQL database (`db::copy`); prints each table's rows.
async fn copy_to(config: Arc<Config>, url: &str) -> Result<(), BoxError> {
    if !db::is_postgres_url(url) {
        return Err("copy-to copies into a PostgreSQL database: give a postgres:// URL".into());
    }
    let busy = Duration::from_millis(config.busy_timeout_ms);
    let source = db::connect(&config.database_url, 2, busy)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", db::redacted(&config.database_url)))?;
    db::migrate(&source).await.map_err(|e| format!("database migration failed: {e}"))?;
    let target =
        db::connect(url, 2, busy).await.map_err(|e| format!("cannot open database {}: {e}", db::redacted(url)))?;
    let counts = db::copy::copy_to(&source, &target).await.map_err(|e| format!("copy-to failed: {e}"))?;
    for (table, rows) in counts {
        println!("{table}\t{rows}");
    }
    println!("copied to {}", db::redacted(url));
    Ok(())
}

/// `jinri generate`: a new database with the demo content and the threads an abuser could
/// build, for tests and benchmarks. It never opens a file that exists, so it cannot touch a
/// live site's database.
async fn generate(file: &str, options: &[&str]) -> Result<(), BoxError> {
    let (mut deep, mut wide, mut chars) = (None, None, crate::model::BODY_MAX);
    for pair in options.chunks(2) {
        let [flag, value] = pair else { return Err(format!("{flag} needs a number\n{USAGE}", flag = pair[0]).into()) };
        let n: usize = value.parse().map_err(|_| format!("{flag} needs a number, not {value:?}"))?;
        match *flag {
            "--deep-chain" => deep = Some(n),
            "--wide-thread" => wide = Some(n),
            "--reply-chars" => chars = n,
            _ => return Err(format!("unknown option {flag}\n{USAGE}").into()),
        }
    }
    if deep.is_none() && wide.is_none() {
        return Err(format!("nothing to generate: give --deep-chain N and/or --wide-thread N\n{USAGE}").into());
    }
    let path = std::path::Path::new(file);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Created here, atomically, or refused: never someone's existing database.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("{file}: {e}; generate writes only a new database file"))?;
    let pool = db::connect(&format!("sqlite://{file}"), 1, Duration::from_secs(5)).await?;
    db::migrate(&pool).await?;
    let now = time::now_unix();
    db::seed::seed_if_empty(&pool, now).await?;
    let mut made = Vec::new();
    if let Some(n) = deep {
        made.push(format!("deep={}", db::generate::deep_chain(&pool, n, now).await?));
    }
    if let Some(n) = wide {
        made.push(format!("wide={}", db::generate::wide_thread(&pool, n, chars, now).await?));
    }
    pool.close().await;
    println!("{}", made.join(" "));
    Ok(())
}

async fn facts(config: Arc<Config>, set: Option<(&&str, &&str)>) -> Result<(), BoxError> {
    let pool = open_database(&config).await?;
    if let Some((key, value)) = set {
        if !db::facts::FACTS.iter().any(|(k, _)| k == key) {
            let known: Vec<_> = db::facts::FACTS.iter().map(|(k, _)| *k).collect();
            return Err(format!("unknown fact {key:?}; known facts: {}", known.join(", ")).into());
        }
        let value = crate::model::check_fact(value)
            .map_err(|_| format!("the value of {key} must be 1 to 40 characters, without control characters"))?;
        db::facts::set(&pool, key, &value, time::now_unix()).await?;
    }
    let all = db::facts::all(&pool).await?;
    for (key, meaning) in db::facts::FACTS {
        println!("{key}\t{}\t({meaning})", all.get(key).map(String::as_str).unwrap_or("-"));
    }
    Ok(())
}

async fn staff(config: Arc<Config>) -> Result<(), BoxError> {
    let pool = open_database(&config).await?;
    let tz = config.site.timezone;
    for member in db::roles::staff(&pool).await? {
        let roles: Vec<String> = member
            .roles
            .iter()
            .map(|(role, at, by)| {
                let when = time::date_time(tz, *at);
                format!("{} ({when}, {})", role.as_str(), by.as_deref().unwrap_or("command line"))
            })
            .collect();
        println!("{}\t{}", member.name, roles.join(", "));
    }
    Ok(())
}

/// `jinri user grant|revoke NAME ROLE`: recorded in the audit log as done from the command line.
async fn change_role(config: Arc<Config>, grant: bool, name: &str, role: &str) -> Result<(), BoxError> {
    use crate::model::{Role, Username};
    use db::roles::Outcome;
    let role = Role::parse(role).ok_or_else(|| format!("unknown role {role:?}; roles: editor, moderator, admin"))?;
    let pool = open_database(&config).await?;
    let key = Username::lookup_key(name);
    let now = time::now_unix();
    let outcome = if grant {
        db::roles::grant(&pool, &key, role, None, now).await?
    } else {
        db::roles::revoke(&pool, &key, role, None, now).await?
    };
    match (outcome, grant) {
        (Outcome::Changed, true) => println!("{name} is now {}", role.as_str()),
        (Outcome::Changed, false) => println!("{name} is no longer {}", role.as_str()),
        (Outcome::Unchanged, true) => println!("{name} was {} already", role.as_str()),
        (Outcome::Unchanged, false) => println!("{name} was not {}", role.as_str()),
        (Outcome::NoSuchReader, _) => return Err(format!("no reader is named {name:?}").into()),
        (Outcome::LastAdmin, _) => {
            return Err(format!("{name} is the last admin; grant admin to someone else first").into())
        }
    }
    Ok(())
}
