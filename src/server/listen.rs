//! The connection loop: HTTP/1.1 and HTTP/2 on one port, with limits on slow clients and a
//! graceful stop.
//!
//! `axum::serve` sets no timer, so a client that sends its headers one byte a minute holds a
//! connection (and a task) for ever. Here every connection gets a deadline for its request
//! headers; bodies and handlers get theirs from layers in `routes.rs`.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// How long a stop waits for requests in flight before closing their connections.
const DRAIN: Duration = Duration::from_secs(20);

/// Serves `router` on `listener` until `stop` resolves, then lets requests in flight finish.
/// `header_timeout` bounds how long a client may take to send a request's headers.
///
/// Connections are served on lanes: one thread per worker thread of the runtime this runs on
/// (`TOKIO_WORKER_THREADS`, by default one per core), each with a single-threaded runtime of
/// its own, and every accepted connection is handed to the lane that holds the fewest. A
/// request, the tasks its page spawns (Leptos' resources) and its answer then stay on one
/// thread: on the shared multi-threaded runtime each spawned task could wake the other worker
/// and move there, and a page's memory was allocated on one thread and freed on another
/// (bench/README, "Connections on lanes"). The runtime this runs on keeps the accept loop,
/// the background tasks and the blocking pool.
pub async fn serve(listener: TcpListener, router: Router, header_timeout: Duration, stop: impl Future<Output = ()>) {
    let count = tokio::runtime::Handle::current().metrics().num_workers().max(1);
    let lanes: Vec<Lane> = (0..count).map(|i| Lane::start(i, router.clone(), header_timeout)).collect();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // Without TCP_NODELAY, responses written in pieces stall ~40 ms (Nagle + delayed ACK).
        let _ = stream.set_nodelay(true);
        // Out of this runtime's reactor, into the lane's.
        let stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, %peer, "connection lost before it was served");
                continue;
            }
        };
        let lane = lanes.iter().min_by_key(|l| l.open.load(Ordering::Relaxed)).expect("at least one lane");
        lane.open.fetch_add(1, Ordering::Relaxed);
        if lane.queue.send(Accepted { stream, peer, watcher: graceful.watcher() }).is_err() {
            // Its thread is gone (it could not start its runtime): the connection is closed.
            lane.open.fetch_sub(1, Ordering::Relaxed);
            tracing::error!(%peer, "a serving lane is gone; connection closed");
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN) => tracing::warn!("requests still running after {DRAIN:?}; stopping anyway"),
    }
    // The lanes' threads and runtimes stay until the process ends: tasks that requests started
    // and that outlive them (the announcement of likes, the watchers of the newest articles
    // and of the moderation queue) keep running while the site writes what is pending.
    drop(lanes);
}

thread_local! {
    static LANE: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The lane whose thread this is (`None` off the lanes).
pub fn current_lane() -> Option<usize> {
    LANE.with(|l| l.get())
}

/// Threads of a lane's blocking pool (tokio's default is 512 a runtime). Files are read there
/// (`tokio::fs`, under the router's file service): under 50 connections asking for a static
/// file, the two lanes' pools grew to 110 threads and the process to 98 MB resident, against
/// 39 threads and 60 MB on one shared pool (bench/README, "Connections on lanes").
const BLOCKING_THREADS_PER_LANE: usize = 8;

/// A connection for a lane.
struct Accepted {
    stream: std::net::TcpStream,
    peer: SocketAddr,
    watcher: hyper_util::server::graceful::Watcher,
}

/// A thread with a single-threaded runtime serving the connections it is handed.
struct Lane {
    queue: mpsc::UnboundedSender<Accepted>,
    /// Connections this lane holds.
    open: Arc<AtomicUsize>,
}

impl Lane {
    fn start(index: usize, router: Router, header_timeout: Duration) -> Lane {
        let (queue, mut accepted) = mpsc::unbounded_channel::<Accepted>();
        let open = Arc::new(AtomicUsize::new(0));
        let counted = open.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(BLOCKING_THREADS_PER_LANE)
            .build()
            .expect("a lane's runtime");
        let started = std::thread::Builder::new().name(format!("jinri-lane-{index}")).spawn(move || {
            LANE.with(|l| l.set(Some(index)));
            runtime.block_on(async move {
                let mut builder = Builder::new(TokioExecutor::new());
                builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
                builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
                while let Some(Accepted { stream, peer, watcher }) = accepted.recv().await {
                    let stream = match tokio::net::TcpStream::from_std(stream) {
                        Ok(s) => s,
                        Err(e) => {
                            counted.fetch_sub(1, Ordering::Relaxed);
                            tracing::warn!(error = %e, %peer, "connection not served");
                            continue;
                        }
                    };
                    // The client's address, for the per-address limits.
                    let service = tower::ServiceBuilder::new()
                        .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                            req.extensions_mut().insert(ConnectInfo(peer));
                            req
                        })
                        .service(router.clone());
                    let conn =
                        builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
                    let conn = watcher.watch(conn.into_owned());
                    let counted = counted.clone();
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, %peer, "connection ended with an error");
                        }
                        counted.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                // No more connections come; the lane lives on for the tasks it holds.
                std::future::pending::<()>().await;
            });
        });
        if let Err(e) = started {
            tracing::error!(error = %e, "a serving lane's thread could not start");
        }
        Lane { queue, open }
    }
}

#[cfg(test)]
pub(in crate::server) mod tests {
    use super::*;
    use axum::routing::get;
    use std::io::{Read, Write};

    fn thread_name() -> String {
        std::thread::current().name().unwrap_or("?").to_owned()
    }

    /// `serve` on a loopback port: its address, what stops it, and its task.
    pub(in crate::server) async fn serving(
        router: Router,
    ) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, router, Duration::from_secs(5), async {
            let _ = stopped.await;
        }));
        (addr, stop, server)
    }

    /// Opens `n` connections to `addr` before any asks (the accept loop hands them out in
    /// turn), asks for `path` on each, then reads each whole answer (blocking).
    pub(in crate::server) fn ask_at_once(addr: SocketAddr, n: usize, path: &str) -> Vec<String> {
        let mut conns: Vec<std::net::TcpStream> = (0..n).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        for c in &mut conns {
            c.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
        }
        conns
            .into_iter()
            .map(|mut c| {
                c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut answer = String::new();
                c.read_to_string(&mut answer).unwrap();
                answer
            })
            .collect()
    }

    fn body(answer: &str) -> &str {
        answer.split("\r\n\r\n").nth(1).unwrap_or_default()
    }

    /// Each connection is served on one lane, the tasks its request spawns run there too, and
    /// connections are spread over the lanes by how many each holds.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_connection_and_the_tasks_of_its_requests_stay_on_one_lane_and_lanes_share_the_connections() {
        let router = Router::new().route(
            "/",
            get(|| async {
                let here = thread_name();
                let spawned = tokio::spawn(async { thread_name() }).await.unwrap();
                format!("{here} {spawned}")
            }),
        );
        let (addr, stop, server) = serving(router).await;
        let answers = tokio::task::spawn_blocking(move || ask_at_once(addr, 4, "/")).await.unwrap();
        let mut lanes = Vec::new();
        for answer in answers.iter().map(|a| body(a)) {
            let (here, spawned) = answer.split_once(' ').expect(answer);
            assert!(here.starts_with("jinri-lane-"), "{answer}");
            assert_eq!(here, spawned, "a request's task left its lane: {answer}");
            lanes.push(here.to_owned());
        }
        lanes.sort();
        assert_eq!(lanes, ["jinri-lane-0", "jinri-lane-0", "jinri-lane-1", "jinri-lane-1"]);
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server).await.expect("serve returns after its stop").unwrap();
    }

    /// Files are read on a lane's blocking pool; however many reads wait at once, the pool
    /// stays at its few threads.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lanes_blocking_pool_has_a_few_threads_however_many_tasks_wait() {
        let router = Router::new().route(
            "/",
            get(|| async {
                let tasks: Vec<_> = (0..40)
                    .map(|_| {
                        tokio::task::spawn_blocking(|| {
                            std::thread::sleep(Duration::from_millis(20));
                            std::thread::current().id()
                        })
                    })
                    .collect();
                let mut threads = std::collections::HashSet::new();
                for t in tasks {
                    threads.insert(t.await.unwrap());
                }
                threads.len().to_string()
            }),
        );
        let (addr, stop, server) = serving(router).await;
        let answer = tokio::task::spawn_blocking(move || ask_at_once(addr, 1, "/")).await.unwrap().remove(0);
        let threads: usize = body(&answer).parse().unwrap();
        assert!((2..=BLOCKING_THREADS_PER_LANE).contains(&threads), "{threads} threads ran 40 waiting tasks");
        stop.send(()).unwrap();
        server.await.unwrap();
    }
}
