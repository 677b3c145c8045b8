//! The connection loop: HTTP/1.1 and HTTP/2 on one port, with limits on slow clients and a
//! graceful stop.
//!
//! `axum::serve` sets no timer, so a client that sends its headers one byte a minute holds a
//! connection (and a task) for ever. Here every connection gets a deadline for its request
//! headers; bodies and handlers get theirs from layers in `routes.rs`.
//!
//! Connections are served by *lanes*: one thread per core (`TOKIO_WORKER_THREADS`, else the
//! number of cores), each with a single-threaded runtime that keeps every connection it is
//! given from its first byte to its last. The accept loop hands them out in turn. On tokio's
//! shared, work-stealing runtime a request that waited for the database (sqlx-sqlite answers
//! from a thread of its own) was woken on whichever worker was free, and everything it had
//! allocated before the wait was then freed on another thread: a signed-in page (one
//! statement, the session) cost nearly twice the CPU of a guest's page (no statement), and a
//! second worker added almost nothing to the signed-in rate (bench/README, "Lanes").

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

/// How long a stop waits for requests in flight before closing their connections.
const DRAIN: Duration = Duration::from_secs(20);

/// Serves `router` on `listener` until `stop` resolves, then lets requests in flight finish.
/// `header_timeout` bounds how long a client may take to send a request's headers.
pub async fn serve(listener: TcpListener, router: Router, header_timeout: Duration, stop: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let lanes = Lanes::start(lane_count(), &router, header_timeout);
    let local = http(header_timeout);
    tokio::pin!(stop);
    let mut next = 0usize;
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
        let watcher = graceful.watcher();
        match &lanes {
            Some(lanes) => {
                next = (next + 1) % lanes.senders.len();
                lanes.hand(next, stream, peer, watcher);
            }
            None => {
                tokio::spawn(connection(&local, &router, stream, peer, watcher));
            }
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN) => tracing::warn!("requests still running after {DRAIN:?}; stopping anyway"),
    }
    if let Some(lanes) = lanes {
        lanes.stop().await;
    }
}

/// The HTTP side of every connection: header deadline, HTTP/2 keep-alive pings.
fn http(header_timeout: Duration) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    builder
}

/// One connection, served to its end (or the stop's drain) on the runtime that polls it.
fn connection(
    builder: &Builder<TokioExecutor>,
    router: &Router,
    stream: TcpStream,
    peer: SocketAddr,
    watcher: Watcher,
) -> impl Future<Output = ()> + Send + 'static {
    // The client's address, for the per-address limits.
    let service = tower::ServiceBuilder::new()
        .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        })
        .service(router.clone());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
    let conn = watcher.watch(conn.into_owned());
    async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, %peer, "connection ended with an error");
        }
    }
}

/// Lanes to run: `TOKIO_WORKER_THREADS` if set (as tokio reads it), else one per core. One
/// lane means none: connections stay on the main runtime.
fn lane_count() -> usize {
    std::env::var("TOKIO_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
        .min(64)
}

type Job = (std::net::TcpStream, SocketAddr, Watcher);

struct Lanes {
    senders: Vec<mpsc::UnboundedSender<Job>>,
    stops: Vec<oneshot::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Lanes {
    fn start(count: usize, router: &Router, header_timeout: Duration) -> Option<Lanes> {
        if count < 2 {
            return None;
        }
        let mut lanes = Lanes { senders: Vec::new(), stops: Vec::new(), threads: Vec::new() };
        for i in 0..count {
            let (tx, rx) = mpsc::unbounded_channel::<Job>();
            let (stop_tx, stop_rx) = oneshot::channel::<()>();
            let router = router.clone();
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::warn!(error = %e, "lane runtime could not start; connections stay on the main runtime");
                    return if lanes.senders.len() >= 2 { Some(lanes) } else { None };
                }
            };
            let thread = std::thread::Builder::new().name(format!("jinri-lane-{i}")).spawn(move || {
                runtime.block_on(lane(rx, stop_rx, router, header_timeout));
                // Not a plain drop, which waits for the runtime's blocking threads: sqlx's
                // SQLite connections opened here live on them until the pool closes,
                // after the lanes have stopped.
                runtime.shutdown_background();
            });
            match thread {
                Ok(t) => {
                    lanes.senders.push(tx);
                    lanes.stops.push(stop_tx);
                    lanes.threads.push(t);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lane thread could not start");
                    break;
                }
            }
        }
        if lanes.senders.len() < 2 {
            return None;
        }
        Some(lanes)
    }

    /// Gives `stream` to lane `i`, or to the next one that takes it.
    fn hand(&self, i: usize, stream: TcpStream, peer: SocketAddr, watcher: Watcher) {
        let Ok(std) = stream.into_std() else { return };
        let mut job = (std, peer, watcher);
        for k in 0..self.senders.len() {
            match self.senders[(i + k) % self.senders.len()].send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(back)) => job = back,
            }
        }
        tracing::error!(%peer, "no lane took the connection");
    }

    /// Ends every lane (after the drain) and waits for its thread.
    async fn stop(self) {
        let Lanes { senders, stops, threads } = self;
        drop(senders);
        for s in stops {
            let _ = s.send(());
        }
        let _ = tokio::task::spawn_blocking(move || {
            for t in threads {
                let _ = t.join();
            }
        })
        .await;
    }
}

/// A lane's loop: takes connections until the doors close, then serves what it has until told
/// to stop (the drain is over).
async fn lane(
    mut rx: mpsc::UnboundedReceiver<Job>,
    stop: oneshot::Receiver<()>,
    router: Router,
    header_timeout: Duration,
) {
    let builder = http(header_timeout);
    let take = async {
        while let Some((std, peer, watcher)) = rx.recv().await {
            match TcpStream::from_std(std) {
                Ok(stream) => {
                    tokio::spawn(connection(&builder, &router, stream, peer, watcher));
                }
                Err(e) => tracing::warn!(error = %e, %peer, "connection could not join its lane"),
            }
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = take => {}
        _ = stop => {}
    }
}
