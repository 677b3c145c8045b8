//! The Jinri server: load config → open pool → migrate → seed → serve. Also the admin
//! commands (`jinri facts …`).

/// mimalloc rather than glibc malloc: a page render allocates thousands of small strings and
/// glibc's arenas spent a quarter of its CPU on them under load (bench/README).
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    keep_large_allocations_out_of_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(jinri::server::cli::main())
}

/// Each password hash allocates 19 MiB on a blocking thread. glibc raises its mmap threshold
/// after the first such block is freed, so later ones come from per-thread arenas and stay
/// mapped: under a login load the server sat at ~460 MB. A fixed threshold sends every large
/// block to mmap and back to the system when freed (the soak ran at 24-42 MB with it).
#[cfg(feature = "ssr")]
fn keep_large_allocations_out_of_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
