//! The Jinri server: load config → open pool → migrate → seed → serve. Also the admin
//! commands (`jinri facts …`).

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    jinri::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
