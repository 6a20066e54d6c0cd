//! The Qinglian server as a library, so that tests boot the real app on port 0.

mod static_files;

use axum::{http::StatusCode, routing::get, Json, Router};
use serde_json::json;
use std::{net::SocketAddr, path::PathBuf};
use tokio::net::TcpListener;

/// What the server needs to start; built from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
}

/// The server's version, reported by `/api/health` so clients and operators can
/// tell which build answers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A start-up failure, in words an operator can act on.
#[derive(Debug)]
pub struct StartError(String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// The whole HTTP application: the API under `/api/` and the app everywhere else.
pub fn app(config: &Config) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .fallback(api_not_found);
    Router::new()
        .nest("/api", api)
        .fallback_service(static_files::service(&config.static_dir))
        .layer(axum::middleware::from_fn(
            static_files::cache_and_security_headers,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": VERSION }))
}

async fn api_not_found(
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("no API endpoint at {}", uri.path()) })),
    )
}

/// Checks the directories, binds, prints the address and serves until Ctrl-C or
/// SIGTERM, finishing the requests in flight.
pub async fn serve(config: Config) -> Result<(), StartError> {
    let index = config.static_dir.join("index.html");
    if !index.is_file() {
        return Err(StartError(format!(
            "no built app at {}: run `cargo xtask dist` first, or pass --static DIR",
            index.display()
        )));
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|err| {
        StartError(format!(
            "cannot create the data directory {}: {err}",
            config.data_dir.display()
        ))
    })?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|err| StartError(format!("cannot listen on {}: {err}", config.addr)))?;
    let local = listener
        .local_addr()
        .map_err(|err| StartError(format!("cannot read the bound address: {err}")))?;
    println!("listening on http://{local}");
    axum::serve(listener, app(&config))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|err| StartError(format!("server stopped with an error: {err}")))?;
    println!("qinglian-server stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
