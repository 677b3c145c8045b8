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
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a stop waits for requests in flight before closing their connections.
const DRAIN: Duration = Duration::from_secs(20);

/// Serves `router` on `listener` until `stop` resolves, then lets requests in flight finish.
/// `header_timeout` bounds how long a client may take to send a request's headers.
pub async fn serve(listener: TcpListener, router: Router, header_timeout: Duration, stop: impl Future<Output = ()>) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
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
        // The client's address, for the per-address limits.
        let service = tower::ServiceBuilder::new()
            .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            })
            .service(router.clone());
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN) => tracing::warn!("requests still running after {DRAIN:?}; stopping anyway"),
    }
}
