//! The Jinri server: load config → open pool → migrate → seed → serve. Also the admin
//! commands (`jinri facts …`).

/// mimalloc rather than glibc malloc: a page render allocates thousands of small strings and
/// glibc's arenas spent a quarter of its CPU on them under load (bench/README). It also
/// replaces the glibc `mallopt` threshold that kept password hashes' 19 MiB blocks out of
/// glibc's arenas: mimalloc gives such large blocks back to the system itself.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(jinri::server::cli::main())
}

#[cfg(not(feature = "ssr"))]
fn main() {}
