//! The Qinglian server as a library, so that tests boot the real app on port 0:
//! the built app with its security headers, and the sync API under `/api/v1/`
//! (accounts, sessions, event sync, content publishing, unit reports).

pub mod admin;
pub mod auth;
pub mod content;
pub mod error;
pub mod reports;
mod static_files;
pub mod store;
pub mod sync;

use axum::{
    extract::DefaultBodyLimit,
    http::StatusCode,
    routing::{get, post, put},
    Json, Router,
};
use serde_json::json;
use std::{net::SocketAddr, path::PathBuf, sync::Arc};
use tokio::net::TcpListener;

/// What the server needs to start; built from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<auth::Cidr>,
    /// Fault injection for the crash test only: abort the process right after
    /// a push is committed, before answering (`QINGLIAN_FAULT_ABORT_AFTER_COMMIT=1`).
    pub fault_abort_after_commit: bool,
}

impl Config {
    /// A configuration without fault injection.
    pub fn new(addr: SocketAddr, data_dir: PathBuf, static_dir: PathBuf) -> Config {
        Config {
            addr,
            data_dir,
            static_dir,
            trusted_proxies: Vec::new(),
            fault_abort_after_commit: false,
        }
    }
}

/// The server's version, reported by `/api/health` so clients and operators can
/// tell which build answers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Requests other than a push or a content upload are small: this is their limit.
const SMALL_BODY_BYTES: usize = 64 * 1024;

/// A start-up failure, in words an operator can act on.
#[derive(Debug)]
pub struct StartError(String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn store::Store>,
    pub content: Arc<content::ContentState>,
    pub limiter: Arc<auth::RateLimiter>,
    /// Password hashing, at most one per CPU at a time.
    pub hasher: auth::Hasher,
    pub trusted_proxies: Arc<Vec<auth::Cidr>>,
    /// Session cookies carry `Secure` unless the server listens on loopback
    /// (plain-HTTP development and tests).
    pub secure_cookies: bool,
    pub fault_abort_after_commit: bool,
}

/// Milliseconds since 1970 UTC, the unit of every time the server keeps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Opens the data directory's database (migrating it) and loads the content.
pub async fn state(config: &Config) -> Result<AppState, StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|err| {
        StartError(format!(
            "cannot create the data directory {}: {err}",
            config.data_dir.display()
        ))
    })?;
    let db = admin::database_path(&config.data_dir);
    let store = store::SqliteStore::open(&db)
        .await
        .map_err(|err| StartError(format!("cannot open {}: {err}", db.display())))?;
    let content = content::ContentState::load(&store, &config.static_dir)
        .await
        .map_err(StartError)?;
    Ok(AppState {
        store: Arc::new(store),
        content: Arc::new(content),
        limiter: Arc::new(auth::RateLimiter::default()),
        hasher: auth::Hasher::gated(Arc::new(auth::HashGate::per_cpu())),
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        secure_cookies: !config.addr.ip().is_loopback(),
        fault_abort_after_commit: config.fault_abort_after_commit,
    })
}

/// The sync API, mounted at `/api/v1`.
fn api_v1() -> Router<AppState> {
    Router::new()
        .route("/auth/join", post(auth::join))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route(
            "/sync/push",
            post(sync::push).layer(DefaultBodyLimit::max(qinglian_core::sync::PUSH_MAX_BYTES)),
        )
        .route("/sync/pull", get(sync::pull))
        .route("/content", get(content::get_content))
        .route("/content/version", get(content::get_version))
        .route(
            "/admin/content",
            put(content::put_content).layer(DefaultBodyLimit::max(content::CONTENT_MAX_BYTES)),
        )
        .route(
            "/admin/units",
            get(admin::list_units).post(admin::create_unit),
        )
        .route(
            "/admin/invites",
            get(admin::list_invites).post(admin::create_invite),
        )
        .route("/admin/users", get(admin::list_users))
        .route("/reports/units", get(reports::units_summary))
        .route("/reports/units/{unit}", get(reports::unit_report))
}

/// The whole HTTP application: the API under `/api/` and the app everywhere else.
pub fn app(config: &Config, state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .nest("/v1", api_v1())
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(SMALL_BODY_BYTES))
        .with_state(state);
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

async fn method_not_allowed(
    method: axum::http::Method,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> (StatusCode, Json<serde_json::Value>) {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({ "error": format!("{} does not accept {method}", uri.path()) })),
    )
}

/// Checks the app build, opens the data and binds the listener: everything
/// that can fail at start, before serving.
async fn prepare(config: &Config) -> Result<(TcpListener, Router), StartError> {
    let index = config.static_dir.join("index.html");
    if !index.is_file() {
        return Err(StartError(format!(
            "no built app at {}: run `cargo xtask dist` first, or pass --static DIR",
            index.display()
        )));
    }
    let state = state(config).await?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|err| StartError(format!("cannot listen on {}: {err}", config.addr)))?;
    Ok((listener, app(config, state)))
}

/// Starts the server in a background task and returns its address (tests,
/// benchmarks). Port 0 picks a free port.
pub async fn spawn(config: Config) -> Result<SocketAddr, StartError> {
    let (listener, router) = prepare(&config).await?;
    let local = listener
        .local_addr()
        .map_err(|err| StartError(format!("cannot read the bound address: {err}")))?;
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(err) = axum::serve(listener, service).await {
            tracing::error!("server stopped with an error: {err}");
        }
    });
    Ok(local)
}

/// Checks the directories, binds, prints the address and serves until Ctrl-C or
/// SIGTERM, finishing the requests in flight.
pub async fn serve(config: Config) -> Result<(), StartError> {
    if config.fault_abort_after_commit {
        eprintln!("warning: QINGLIAN_FAULT_ABORT_AFTER_COMMIT is set: the server dies after the first push");
    }
    let (listener, router) = prepare(&config).await?;
    let local = listener
        .local_addr()
        .map_err(|err| StartError(format!("cannot read the bound address: {err}")))?;
    println!("listening on http://{local}");
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
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
