//! The Qinglian server as a library, so that tests boot the real app on port 0:
//! the built app with its security headers, and the sync API under `/api/v1/`
//! (accounts, sessions, event sync, content publishing, unit reports).

pub mod admin;
pub mod auth;
pub mod content;
pub mod error;
pub mod lock;
pub mod ops;
pub mod reports;
pub mod roster;
pub mod sessions;
mod static_files;
pub mod store;
pub mod sync;
pub mod units;
pub mod voice;

use axum::{
    extract::DefaultBodyLimit,
    http::StatusCode,
    routing::{delete, get, patch, post, put},
    Json, Router,
};
use serde_json::json;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tokio::net::TcpListener;

/// What the server needs to start; built from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// A PostgreSQL database shared with other servers (`--database-url`);
    /// without it the data directory's SQLite file.
    pub database_url: Option<String>,
    pub static_dir: PathBuf,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<auth::Cidr>,
    /// The address people open, e.g. `https://qinglian.bureau.example`
    /// (`--public-url`): with https, `__Host-` Secure cookies and HSTS; state-
    /// changing requests from another origin are refused.
    pub public_url: Option<PublicUrl>,
    /// A request's headers must arrive within this.
    pub header_timeout: Duration,
    /// A whole request (headers, body, handling) must be done within this.
    pub request_timeout: Duration,
    /// Open connections at most; more wait in the kernel's queue.
    pub max_connections: usize,
    /// The most events kept for one account.
    pub max_events_per_user: u64,
    /// How long a write waits for another writer's lock before 503.
    pub busy_timeout: Duration,
    /// Fault injection for the crash test only: abort the process right after
    /// a push is committed, before answering (`QINGLIAN_FAULT_ABORT_AFTER_COMMIT=1`).
    /// Only test builds (debug assertions, or the `fault-injection` feature)
    /// have the switch; a release build ignores it.
    pub fault_abort_after_commit: bool,
}

impl Config {
    /// A configuration without fault injection.
    pub fn new(addr: SocketAddr, data_dir: PathBuf, static_dir: PathBuf) -> Config {
        Config {
            addr,
            data_dir,
            database_url: None,
            static_dir,
            trusted_proxies: Vec::new(),
            public_url: None,
            header_timeout: HEADER_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            max_events_per_user: sync::MAX_EVENTS_PER_USER,
            busy_timeout: store::sqlite_busy_timeout(),
            fault_abort_after_commit: false,
        }
    }
}

/// Default of [`Config::header_timeout`].
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`Config::request_timeout`].
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of [`Config::max_connections`].
pub const MAX_CONNECTIONS: usize = 1024;
/// How long a stopping server waits for the requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// `--public-url`: the origin people open the app at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl {
    /// `https://host[:port]`, lower case, without a default port or a slash.
    pub origin: String,
    pub https: bool,
}

impl std::str::FromStr for PublicUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<PublicUrl, String> {
        let bad =
            || format!("{text:?} is not a public address like https://qinglian.bureau.example");
        let lower = text.trim().to_ascii_lowercase();
        let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad());
        };
        let host = rest.strip_suffix('/').unwrap_or(rest);
        if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) || !host.is_ascii() {
            return Err(format!(
                "{text:?}: give only the scheme and host (and port); the app is served at the root"
            ));
        }
        let host = match (https, host.rsplit_once(':')) {
            (true, Some((name, "443"))) | (false, Some((name, "80"))) => name,
            _ => host,
        };
        Ok(PublicUrl {
            origin: format!("{}://{host}", if https { "https" } else { "http" }),
            https,
        })
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
    /// The session cookie's name and whether it carries `Secure`.
    pub cookie: auth::CookiePolicy,
    /// `--public-url`'s origin: state-changing requests must come from it.
    pub public_origin: Option<String>,
    pub max_events_per_user: u64,
    pub fault_abort_after_commit: bool,
    /// Held while the server runs on SQLite: `admin restore` waits for it
    /// to stop. (PostgreSQL is restored with its own tools.)
    pub data_lock: Option<Arc<lock::DataLock>>,
}

/// Milliseconds since 1970 UTC, the unit of every time the server keeps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Opens the database (the data directory's SQLite file, or PostgreSQL with
/// `--database-url`), migrating it, and loads the content.
pub async fn state(config: &Config) -> Result<AppState, StartError> {
    let database = admin::Database::chosen(&config.data_dir, config.database_url.as_deref())
        .map_err(StartError)?;
    let data_lock = match &database {
        admin::Database::Sqlite(dir) => {
            admin::prepare_data_dir(dir).map_err(StartError)?;
            Some(Arc::new(lock::DataLock::shared(dir).map_err(StartError)?))
        }
        admin::Database::Postgres(_) => None,
    };
    let store = database
        .open(config.busy_timeout)
        .await
        .map_err(StartError)?;
    purge_sessions(store.as_ref()).await;
    let purger = Arc::downgrade(&store);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SESSION_PURGE_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            match purger.upgrade() {
                Some(store) => purge_sessions(store.as_ref()).await,
                None => return,
            }
        }
    });
    let content = Arc::new(
        content::ContentState::load(store.as_ref(), &config.static_dir)
            .await
            .map_err(StartError)?,
    );
    content::follow(store.clone(), &content);
    Ok(AppState {
        store: store.clone(),
        content,
        limiter: Arc::new(auth::RateLimiter::new(store.clone())),
        hasher: auth::Hasher::gated(Arc::new(auth::HashGate::per_cpu())),
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        cookie: auth::CookiePolicy::for_config(config),
        public_origin: config.public_url.as_ref().map(|u| u.origin.clone()),
        max_events_per_user: config.max_events_per_user,
        fault_abort_after_commit: config.fault_abort_after_commit,
        data_lock,
    })
}

/// Expired sessions (and sign-in tries that no longer count) are deleted
/// at start and this often.
const SESSION_PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

async fn purge_sessions(store: &dyn store::Store) {
    let now = now_ms();
    match store
        .purge_sessions(now - auth::SESSION_ABSOLUTE_MS, now - auth::SESSION_IDLE_MS)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!("deleted {n} expired sessions"),
        Err(err) => tracing::warn!("cannot delete expired sessions: {err}"),
    }
    if let Err(err) = auth::purge_sign_in_limits(store, now).await {
        tracing::warn!("cannot forget old sign-in tries: {err}");
    }
}

/// The sync API, mounted at `/api/v1`.
fn api_v1() -> Router<AppState> {
    Router::new()
        .route("/auth/join", post(auth::join))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/sessions", get(auth::sessions))
        .route("/auth/sessions/{id}", delete(auth::end_session))
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
        .route("/admin/content/history", get(content::history))
        .route("/admin/content/rollback", post(content::rollback))
        .route(
            "/admin/units",
            get(admin::list_units).post(admin::create_unit),
        )
        .route("/admin/units/{id}", patch(admin::update_unit))
        .route("/admin/units/{id}/archive", post(admin::archive_unit))
        .route(
            "/admin/invites",
            get(admin::list_invites).post(admin::create_invite),
        )
        .route("/admin/invites/{code}", delete(admin::revoke_invite))
        .route("/admin/users", get(admin::list_users))
        .route("/admin/users/{id}", patch(admin::update_user))
        .route("/admin/users/{id}/disable", post(admin::disable_user))
        .route("/admin/users/{id}/enable", post(admin::enable_user))
        .route(
            "/admin/users/{id}/reset-password",
            post(admin::reset_password),
        )
        .route(
            "/admin/roster/preview",
            post(admin::roster_preview).layer(DefaultBodyLimit::max(admin::ROSTER_MAX_BYTES)),
        )
        .route(
            "/admin/roster/import",
            post(admin::roster_import).layer(DefaultBodyLimit::max(admin::ROSTER_MAX_BYTES)),
        )
        .route("/admin/audit", get(admin::audit_log))
        // Studying together: the units a leader addresses.
        .route("/units/led", get(units::led_units))
        .route("/reports/units", get(reports::units_summary))
        .route("/reports/units/{unit}", get(reports::unit_report))
        // Studying together: ask a leader (questions, answers, FAQ) and
        // anonymous feedback rounds on the leadership.
        .route("/questions", get(voice::list_questions).post(voice::ask))
        .route("/questions/{id}/answer", post(voice::answer))
        .route("/questions/{id}/publish", post(voice::publish))
        .route(
            "/feedback/rounds",
            get(voice::list_rounds).post(voice::open_round),
        )
        .route("/feedback/rounds/{id}/answers", post(voice::give_answer))
        .route("/feedback/rounds/{id}/results", get(voice::results))
        // Studying together: group study sessions with check-in, assignments.
        .route(
            "/sessions",
            get(sessions::list_sessions).post(sessions::create_session),
        )
        .route("/sessions/{id}/cancel", post(sessions::cancel_session))
        .route("/sessions/{id}/minutes", put(sessions::put_minutes))
        .route(
            "/assignments",
            get(sessions::list_assignments).post(sessions::create_assignment),
        )
        .route(
            "/assignments/{id}/cancel",
            post(sessions::cancel_assignment),
        )
}

/// The whole HTTP application: the API under `/api/` and the app everywhere else.
pub fn app(config: &Config, state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .nest("/v1", api_v1())
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(SMALL_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::refuse_cross_site,
        ))
        // API answers are compressed as they go; the app's files were
        // compressed at build time (see `static_files::service`).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state);
    let router = Router::new().nest("/api", api);
    let router = static_files::with_bureau_pages(router, &config.static_dir)
        .fallback_service(static_files::service(&config.static_dir));
    let policy = axum::http::HeaderValue::from_str(&static_files::content_security_policy(
        &config.static_dir,
    ))
    .expect("a policy of hashes and the fixed text is a header value");
    let router = static_files::with_welcome_first(router, &config.static_dir).layer(
        axum::middleware::from_fn(move |request, next| {
            static_files::cache_and_security_headers(policy.clone(), request, next)
        }),
    );
    let router = if config.public_url.as_ref().is_some_and(|u| u.https) {
        router.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    };
    router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        config.request_timeout,
    ))
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

/// Accepts connections until `shutdown`, then lets the requests in flight
/// finish (at most [`SHUTDOWN_GRACE`]). HTTP/1.1 only (a reverse proxy
/// speaks HTTP/2 to browsers): headers must arrive within
/// `header_timeout` (this also closes idle kept-alive connections), and at
/// most `max_connections` are open at a time.
async fn run(
    listener: TcpListener,
    router: Router,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service;
    let open = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait a little, go on.
                    tracing::warn!("cannot accept a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                router.clone().call(request)
            },
        );
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("stopping with requests still in flight");
        },
    }
}

/// Starts the server in a background task and returns its address (tests,
/// benchmarks). Port 0 picks a free port.
pub async fn spawn(config: Config) -> Result<SocketAddr, StartError> {
    let (listener, router) = prepare(&config).await?;
    let local = listener
        .local_addr()
        .map_err(|err| StartError(format!("cannot read the bound address: {err}")))?;
    tokio::spawn(async move {
        run(listener, router, &config, std::future::pending()).await;
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
    run(listener, router, &config, shutdown_signal()).await;
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
