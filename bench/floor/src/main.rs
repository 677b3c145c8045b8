//! The floor app's server: it renders the pages the bundle hydrates (`cargo leptos serve` in the
//! copy bench/floor.sh builds). Nothing here is measured.
#[tokio::main]
async fn main() {
    use axum::Router;
    use leptos::prelude::*;
    use leptos_axum::{generate_route_list, LeptosRoutes};
    let conf = get_configuration(None).expect("Cargo.toml's [package.metadata.leptos]");
    let opts = conf.leptos_options;
    let addr = opts.site_addr;
    let routes = generate_route_list(floor::App);
    let app = Router::new()
        .leptos_routes(&opts, routes, {
            let opts = opts.clone();
            move || floor::shell(opts.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(floor::shell))
        .with_state(opts);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("the site address");
    axum::serve(listener, app.into_make_service()).await.expect("serving");
}
