//! Accounts and sessions: Argon2id passwords, opaque session tokens kept only
//! as hashes, the session cookie, sign-in rate limiting, and the extractor
//! that tells every handler who is asking.

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::limits::{Decide, LimitKey, LimitRecord, LimitWrite, PairRecord};
use crate::store::{Actor, NewAccount, NewPassword, SessionInfo, SessionView, Store, StoreError};
use crate::{now_ms, AppState};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use qinglian_core::sync::{
    JoinRequest, LoginRequest, Role, User, UserResponse, MIN_PASSWORD_CHARS, SESSION_COOKIE,
    SESSION_COOKIE_SECURE,
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

const DAY_MS: i64 = 86_400_000;
/// A session unused this long ends (phones may stay offline for weeks).
pub const SESSION_IDLE_MS: i64 = 30 * DAY_MS;
/// A session ends this long after sign-in, used or not.
pub const SESSION_ABSOLUTE_MS: i64 = 90 * DAY_MS;
/// Failed sign-ins of one account from one client address that wait for
/// nothing; each failure after them doubles the wait before the next try.
pub const FREE_FAILURES: u32 = 5;
/// The first wait, after [`FREE_FAILURES`] failures (ms) …
pub const FIRST_DELAY_MS: i64 = 1000;
/// … doubled with every further failure up to this (ms).
pub const MAX_DELAY_MS: i64 = 15 * 60 * 1000;
/// A pair (account, address) without a failure this long is forgotten.
const PAIR_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;
/// Failed sign-ins (and unknown invite codes) allowed per client address
/// within [`RATE_WINDOW_MS`], whatever the accounts: more than per account,
/// as an office may share one address.
pub const ADDRESS_FAILURES: usize = 30;
/// The window of the per-address ceiling.
pub const RATE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a password check waits for a free hashing worker before the
/// server answers 503.
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Password checks that may wait for a worker, beyond those running.
pub const HASH_QUEUE: usize = 16;
/// Longest password accepted, in characters (hashing cost stays bounded).
const MAX_PASSWORD_CHARS: usize = 1024;

/// Hashes a password with Argon2id (the crate's recommended parameters) and
/// a random salt, as a PHC string that carries its own parameters.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| format!("cannot hash the password: {err}"))
}

/// Hashes a one-time password (reset, roster import) with light Argon2id
/// parameters (2 MiB, one pass): it is random with about 59 bits and lasts
/// a week, so its strength is in itself, and a roster of thousands is
/// hashed within a request's time. The PHC string carries the parameters,
/// so [`verify_password`] checks it like any other.
pub fn hash_one_time_password(password: &str) -> Result<String, String> {
    let params = argon2::Params::new(2048, 1, 1, None)
        .map_err(|err| format!("bad Argon2 parameters: {err}"))?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| format!("cannot hash the password: {err}"))
}

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// Argon2 takes tens of milliseconds of CPU and 19 MiB of memory per
/// check: at most one per CPU at a time, a short queue behind them, and 503
/// past it, so that a flood of sign-ins can neither exhaust memory nor
/// starve the other requests.
///
/// The checks run on a fixed set of threads of their own: freed Argon2
/// memory stays in the allocator of the thread that used it, so spreading
/// checks over a growing pool of threads would keep 19 MiB per thread.
#[derive(Debug)]
pub struct HashGate {
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
    workers: Arc<Semaphore>,
    /// Running and waiting checks.
    in_line: AtomicUsize,
    capacity: usize,
    wait: std::time::Duration,
}

type Job = Box<dyn FnOnce() + Send>;

/// The gate was full, or no worker came free in time.
#[derive(Debug)]
pub struct GateBusy;

impl HashGate {
    /// `workers` checks at a time (at least 1), [`HASH_QUEUE`] waiting.
    pub fn new(workers: usize) -> HashGate {
        let workers = workers.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..workers {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("qinglian-hash-{i}"))
                .spawn(move || loop {
                    let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(err) = spawned {
                tracing::error!("cannot start a password hashing thread: {err}");
            }
        }
        HashGate {
            jobs: Mutex::new(jobs),
            workers: Arc::new(Semaphore::new(workers)),
            in_line: AtomicUsize::new(0),
            capacity: workers + HASH_QUEUE,
            wait: HASH_WAIT,
        }
    }

    /// One worker per CPU.
    pub fn per_cpu() -> HashGate {
        HashGate::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// Runs `work` on a blocking thread once a worker is free. The worker
    /// stays taken until `work` ends, even if the request is dropped.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, GateBusy> {
        struct InLine<'a>(&'a AtomicUsize);
        impl Drop for InLine<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        if self.in_line.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.in_line.fetch_sub(1, Ordering::SeqCst);
            return Err(GateBusy);
        }
        let _in_line = InLine(&self.in_line);
        let permit = tokio::time::timeout(self.wait, self.workers.clone().acquire_owned())
            .await
            .map_err(|_| GateBusy)?
            .map_err(|_| GateBusy)?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let out = work();
            drop(permit);
            let _ = done.send(out);
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| GateBusy)?;
        result.await.map_err(|_| GateBusy)
    }
}

/// How passwords are hashed: through the server's gate, or (command line)
/// straight on a blocking thread.
#[derive(Clone, Debug, Default)]
pub struct Hasher {
    gate: Option<Arc<HashGate>>,
}

impl Hasher {
    /// Through this gate.
    pub fn gated(gate: Arc<HashGate>) -> Hasher {
        Hasher { gate: Some(gate) }
    }

    /// Runs a hashing job; 503 when the gate is full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        match &self.gate {
            Some(gate) => gate.run(work).await.map_err(|GateBusy| busy(2)),
            None => tokio::task::spawn_blocking(work)
                .await
                .map_err(ApiError::internal),
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        self.run(move || hash_password(&password))
            .await?
            .map_err(ApiError::internal)
    }

    /// Hashes one-time passwords, lightly (see [`hash_one_time_password`]).
    pub async fn hash_one_time(&self, passwords: Vec<String>) -> ApiResult<Vec<String>> {
        self.run(move || {
            passwords
                .iter()
                .map(|p| hash_one_time_password(p))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?
        .map_err(ApiError::internal)
    }
}

/// 503 with `Retry-After`: the server is too busy to take this now.
pub fn busy(seconds: u64) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the server is busy: try again in {seconds} s"),
    )
    .with("retry_after", seconds)
    .with_header(
        header::RETRY_AFTER,
        HeaderValue::from_str(&seconds.to_string()).expect("digits"),
    )
}

/// The rules for a password, in words a person can act on.
pub fn check_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password is too short: at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "the password is too long: at most {MAX_PASSWORD_CHARS} characters"
        ));
    }
    if is_common_password(password) {
        return Err(
            "this password is one of the most common ones and is guessed first: choose another"
                .to_owned(),
        );
    }
    Ok(())
}

/// The most common passwords of 10 or more characters (shorter ones are
/// refused anyway), from published leak statistics, English and Chinese.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "0123456789",
    "0987654321",
    "9876543210",
    "1111111111",
    "0000000000",
    "1234512345",
    "1122334455",
    "1212121212",
    "5201314520",
    "5211314521",
    "1314520520",
    "1234567891",
    "12345678910",
    "123456789a",
    "a123456789",
    "123456789q",
    "q123456789",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "1qazxsw23edc",
    "qazwsxedcrfv",
    "zaq12wsxcde3",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "1234qwerty",
    "asdfghjkl1",
    "asdfghjkl;",
    "zxcvbnm123",
    "password12",
    "password123",
    "password1234",
    "password!1",
    "password1!",
    "passw0rd123",
    "p@ssw0rd123",
    "p@ssword123",
    "iloveyou12",
    "iloveyou123",
    "woaini1314",
    "woaini520520",
    "woaini123456",
    "abcdefghij",
    "abcd123456",
    "abc1234567",
    "abc123456789",
    "aa123456789",
    "aaaaaaaaaa",
    "letmein123",
    "welcome123",
    "welcome1234",
    "admin12345",
    "admin123456",
    "administrator",
    "changeme123",
    "football123",
    "monkey12345",
    "dragon1234",
    "sunshine123",
    "princess123",
    "baseball123",
    "superman123",
    "trustno1234",
    "computer123",
    "qinglian123",
    "qinglian1234",
    "qinglian2024",
    "qinglian2025",
    "qinglian2026",
];

/// Is this (ignoring case) one of [`COMMON_PASSWORDS`]?
pub fn is_common_password(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    COMMON_PASSWORDS.contains(&lower.as_str())
}

/// Logins are compared without case and surrounding spaces.
pub fn normalize_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// 3 to 64 of letters, digits, `.`, `_`, `-`, `@`.
pub fn check_login(login: &str) -> Result<(), String> {
    let ok_chars = login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !(3..=64).contains(&login.chars().count()) || !ok_chars {
        return Err("the login must be 3 to 64 letters, digits, '.', '_', '-' or '@'".to_owned());
    }
    Ok(())
}

/// 1 to 100 characters, no control characters, no invisible format
/// characters (bidi overrides, zero-width spaces: category Cf).
pub fn check_display_name(name: &str) -> Result<String, String> {
    check_name(name, "the display name")
}

/// A person's or a unit's name: 1 to 100 characters, no control or format
/// characters; trimmed.
pub fn check_name(name: &str, what: &str) -> Result<String, String> {
    let name = name.trim();
    if name
        .chars()
        .any(|c| c.is_control() || qinglian_core::sync::is_format_char(c))
    {
        return Err(format!(
            "{what} may not contain control characters or invisible format characters (such as bidi overrides or zero-width spaces)"
        ));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Err(format!("{what} must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

/// A random token of 256 bits, hex: the cookie's value.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// What the server keeps of a token: its SHA-256.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session cookie's name and `Secure` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookiePolicy {
    pub name: &'static str,
    pub secure: bool,
}

impl CookiePolicy {
    /// `__Host-qinglian_session` + Secure behind an https `--public-url`;
    /// otherwise `qinglian_session`, Secure unless the server listens on
    /// loopback (plain-HTTP development and tests).
    pub fn for_config(config: &crate::Config) -> CookiePolicy {
        match &config.public_url {
            Some(url) if url.https => CookiePolicy {
                name: SESSION_COOKIE_SECURE,
                secure: true,
            },
            _ => CookiePolicy {
                name: SESSION_COOKIE,
                secure: !config.addr.ip().is_loopback(),
            },
        }
    }
}

/// The `Set-Cookie` value that opens a session in the browser.
fn session_cookie(token: &str, policy: CookiePolicy) -> HeaderValue {
    let max_age = SESSION_ABSOLUTE_MS / 1000;
    let secure = if policy.secure { "; Secure" } else { "" };
    let name = policy.name;
    HeaderValue::from_str(&format!(
        "{name}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .expect("a hex token is a valid header value")
}

/// The `Set-Cookie` value that removes it.
fn clear_cookie(policy: CookiePolicy) -> HeaderValue {
    let secure = if policy.secure { "; Secure" } else { "" };
    let name = policy.name;
    HeaderValue::from_str(&format!(
        "{name}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"
    ))
    .expect("a valid header value")
}

/// The session token the request carries, if any.
fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Refuses (403) a POST, PUT, PATCH or DELETE that a browser sent from
/// another site: `Sec-Fetch-Site: cross-site`, or, with `--public-url`, an
/// `Origin` other than it. Clients that send neither (scripts) pass; the
/// session cookie is `SameSite=Strict` besides.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::Method;
    let changes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes {
        let headers = request.headers();
        let cross_site = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
        let foreign_origin = match (&state.public_origin, headers.get(header::ORIGIN)) {
            (Some(ours), Some(origin)) => !origin
                .to_str()
                .is_ok_and(|o| o.trim_end_matches('/').eq_ignore_ascii_case(ours)),
            _ => false,
        };
        if cross_site || foreign_origin {
            return ApiError::forbidden("a request from another site is refused").into_response();
        }
    }
    next.run(request).await
}

/// The live session of a request, whatever the account must do next;
/// rejects with 401 without one. Only the endpoints a person with a one-time
/// password needs take this (me, password, sessions); all others take
/// [`CurrentUser`].
pub struct Session(pub SessionInfo);

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Session> {
        let Some(token) = cookie_token(&parts.headers, state.cookie.name) else {
            return Err(ApiError::unauthorized("not signed in"));
        };
        let now = now_ms();
        let session = state
            .store
            .session_user(
                &token_hash(&token),
                now,
                now - SESSION_ABSOLUTE_MS,
                now - SESSION_IDLE_MS,
            )
            .await
            .map_err(store_error)?;
        session
            .map(Session)
            .ok_or_else(|| ApiError::unauthorized("the session has ended: sign in again"))
    }
}

/// The signed-in account of a request: 401 without a session, 403 while a
/// one-time password has not been replaced.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<CurrentUser> {
        let Session(session) = Session::from_request_parts(parts, state).await?;
        if session.must_change_password {
            return Err(ApiError::forbidden(
                "set a new password first (POST /api/v1/auth/password)",
            )
            .with("must_change_password", true));
        }
        Ok(CurrentUser(session.user))
    }
}

/// An administrator's request, ready to act: the operations with the
/// administrator and the client's address for the audit log.
pub struct AdminOps(pub crate::ops::Ops);

impl FromRequestParts<AppState> for AdminOps {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<AdminOps> {
        let caller = CurrentUser::from_request_parts(parts, state).await?;
        let admin = caller.require(&[Role::Admin])?;
        let Ok(ClientAddr(addr)) = ClientAddr::from_request_parts(parts, state).await;
        Ok(AdminOps(crate::ops::Ops {
            store: state.store.clone(),
            actor: Actor {
                user_id: Some(admin.id),
                name: admin.login.clone(),
                client_addr: Some(addr),
            },
            hasher: state.hasher.clone(),
            content: Some(state.content.clone()),
        }))
    }
}

impl CurrentUser {
    /// 403 unless the account has one of these roles.
    pub fn require(&self, roles: &[Role]) -> ApiResult<&User> {
        if roles.contains(&self.0.role) {
            Ok(&self.0)
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.id()).collect();
            Err(ApiError::forbidden(format!(
                "this needs the role {}; you are {}",
                names.join(" or "),
                self.0.role.id()
            )))
        }
    }
}

/// An address block, `10.0.0.0/8` or `::1/128`: `--trusted-proxy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an address block like 10.0.0.0/8"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    /// Is `ip` inside the block? (An IPv4-mapped IPv6 address counts as IPv4.)
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(block), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(block) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(block), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(block) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client's address: the connection's peer, or, when the peer is a
/// trusted proxy, the last address in `X-Forwarded-For` that is not one.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Garbage: nothing to the left of it can be believed.
            Err(_) => break,
        }
    }
    client
}

/// The client's address (see [`client_ip`]), as text.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| {
                    client_ip(info.0.ip(), &parts.headers, &state.trusted_proxies).to_string()
                })
                .unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}

/// The wait after the `failures`-th failure of a pair (ms).
pub fn delay_after(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(20);
    (FIRST_DELAY_MS << doublings).min(MAX_DELAY_MS)
}

/// Sign-in limits. Each try is counted as a failure *before* the password
/// is checked, so parallel tries cannot slip past the limit; a success
/// takes its count back. The counts live in the database
/// ([`crate::store::SignInLimits`]), so every server on it counts together.
///
/// - per (account, client address): [`FREE_FAILURES`] free, then a wait
///   of 1 s, 2 s, 4 s … up to 15 minutes before each further try. Someone
///   guessing from another address does not lock the rightful user out.
/// - per client address, whatever the account: [`ADDRESS_FAILURES`]
///   within [`RATE_WINDOW_MS`] (unknown invite codes count too).
#[derive(Clone)]
pub struct RateLimiter {
    store: Arc<dyn Store>,
}

/// A counted try; settle it with [`RateLimiter::succeeded`],
/// [`RateLimiter::failed`] or [`RateLimiter::not_judged`].
#[derive(Debug)]
pub struct Attempt {
    login: Option<String>,
    addr: String,
    try_id: Option<i64>,
    previous_next_at: i64,
}

fn wait_seconds(ms: i64) -> u64 {
    ((ms + 999) / 1000).max(1) as u64
}

/// The pair's record, unless it is too old to count.
fn fresh_pair(record: &LimitRecord, now: i64) -> Option<PairRecord> {
    record
        .pair
        .filter(|pair| pair.last_failure > now - PAIR_MEMORY_MS)
}

/// Is the address over its ceiling? `Err(seconds to wait)`.
fn address_check(record: &LimitRecord, now: i64) -> Result<(), u64> {
    let tries = &record.tries;
    if tries.len() >= ADDRESS_FAILURES {
        let oldest = tries[tries.len() - ADDRESS_FAILURES];
        return Err(wait_seconds(oldest + RATE_WINDOW_MS - now));
    }
    Ok(())
}

/// A new try: refused while the pair waits or the address is over its
/// ceiling; otherwise counted as a failure of the pair and a try of the
/// address.
pub fn decide_begin(record: &LimitRecord, with_pair: bool, now: i64) -> LimitWrite {
    let refused = |seconds| LimitWrite {
        outcome: Err(seconds),
        ..LimitWrite::nothing()
    };
    let pair = fresh_pair(record, now);
    if let Some(pair) = pair {
        if with_pair && now < pair.next_at {
            return refused(wait_seconds(pair.next_at - now));
        }
    }
    if let Err(seconds) = address_check(record, now) {
        return refused(seconds);
    }
    let pair = with_pair.then(|| {
        let mut pair = pair.unwrap_or_default();
        pair.failures += 1;
        pair.last_failure = now;
        pair.next_at = now + delay_after(pair.failures);
        Some(pair)
    });
    LimitWrite {
        pair,
        add_try: true,
        remove_try: None,
        outcome: Ok(()),
    }
}

impl RateLimiter {
    /// Limits kept in this store.
    pub fn new(store: Arc<dyn Store>) -> RateLimiter {
        RateLimiter { store }
    }

    async fn begin_with(&self, login: Option<String>, addr: &str, now: i64) -> ApiResult<Attempt> {
        let key = LimitKey {
            login: login.as_deref(),
            addr,
            window_start: now - RATE_WINDOW_MS,
            now,
        };
        let with_pair = login.is_some();
        let (record, write, try_id) = self
            .store
            .sign_in_limits(key, &move |record| decide_begin(record, with_pair, now))
            .await
            .map_err(store_error)?;
        write.outcome.map_err(too_many)?;
        Ok(Attempt {
            login,
            addr: addr.to_owned(),
            try_id,
            previous_next_at: fresh_pair(&record, now).map_or(0, |pair| pair.next_at),
        })
    }

    /// Counts a try of `login` from `addr` as failed; 429 when one of the
    /// limits is reached.
    pub async fn begin(&self, login: &str, addr: &str, now: i64) -> ApiResult<Attempt> {
        let login = login.chars().take(64).collect::<String>();
        self.begin_with(Some(login), addr, now).await
    }

    /// Counts a try from `addr` (an invite code) against the address ceiling.
    pub async fn begin_address(&self, addr: &str, now: i64) -> ApiResult<Attempt> {
        self.begin_with(None, addr, now).await
    }

    /// Settles a try; a store failure is logged, the try stays counted.
    async fn settle(&self, attempt: &Attempt, decide: Decide<'_>) {
        let key = LimitKey {
            login: attempt.login.as_deref(),
            addr: &attempt.addr,
            window_start: now_ms() - RATE_WINDOW_MS,
            now: now_ms(),
        };
        if let Err(err) = self.store.sign_in_limits(key, decide).await {
            tracing::warn!("cannot settle a sign-in try: {err}");
        }
    }

    /// The try succeeded: the pair starts afresh, the address gets its try back.
    pub async fn succeeded(&self, attempt: Attempt) {
        let try_id = attempt.try_id;
        self.settle(&attempt, &move |_| LimitWrite {
            pair: Some(None),
            remove_try: try_id,
            ..LimitWrite::nothing()
        })
        .await;
    }

    /// The try failed: the wait before the next one runs from now, the end
    /// of the check (a check may take a while when many wait for it).
    pub async fn failed(&self, attempt: Attempt, now: i64) {
        self.settle(&attempt, &move |record| LimitWrite {
            pair: record.pair.map(|mut pair| {
                pair.next_at = pair.next_at.max(now + delay_after(pair.failures));
                Some(pair)
            }),
            ..LimitWrite::nothing()
        })
        .await;
    }

    /// The try was not judged (the server was busy, or it was not about the
    /// code or password): it does not count.
    pub async fn not_judged(&self, attempt: Attempt) {
        let (try_id, previous_next_at) = (attempt.try_id, attempt.previous_next_at);
        self.settle(&attempt, &move |record| LimitWrite {
            pair: record.pair.map(|mut pair| {
                pair.failures = pair.failures.saturating_sub(1);
                pair.next_at = previous_next_at;
                Some(pair)
            }),
            remove_try: try_id,
            ..LimitWrite::nothing()
        })
        .await;
    }
}

/// Forgets sign-in tries that no longer count (run with the hourly session
/// purge).
pub async fn purge_sign_in_limits(store: &dyn Store, now: i64) -> Result<u64, StoreError> {
    store
        .purge_sign_in_limits(now - RATE_WINDOW_MS, now - PAIR_MEMORY_MS)
        .await
}

fn too_many(seconds: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many attempts: try again in {seconds} s"),
    )
    .with("retry_after", seconds)
    .with_header(
        header::RETRY_AFTER,
        HeaderValue::from_str(&seconds.to_string()).expect("digits"),
    )
}

/// Opens a session for `user` and answers `{user}` with the cookie.
async fn signed_in(
    state: &AppState,
    user: User,
    must_change_password: bool,
    status: StatusCode,
    headers: &HeaderMap,
    addr: &str,
) -> ApiResult<Response> {
    let token = new_token();
    let agent = headers
        .get(header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .map(|agent| {
            agent
                .chars()
                .filter(|c| !c.is_control() && !qinglian_core::sync::is_format_char(*c))
                .take(256)
                .collect::<String>()
        });
    state
        .store
        .create_session(
            &token_hash(&token),
            user.id,
            now_ms(),
            agent.as_deref(),
            Some(addr),
        )
        .await
        .map_err(store_error)?;
    let mut response = (
        status,
        Json(UserResponse {
            user,
            must_change_password,
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&token, state.cookie));
    Ok(response)
}

/// Maps the store's refusals to answers; anything else is a server failure.
pub fn store_error(err: StoreError) -> ApiError {
    match err {
        StoreError::LoginTaken => ApiError::conflict(err.to_string()),
        StoreError::UnknownUnit(_) => ApiError::unprocessable(err.to_string()),
        StoreError::UnknownInvite
        | StoreError::InviteExpired
        | StoreError::InviteUsedUp
        | StoreError::InviteRevoked => ApiError::unprocessable(err.to_string()),
        StoreError::UnknownUser(_) => ApiError::not_found(err.to_string()),
        StoreError::Refused(_) => ApiError::conflict(err.to_string()),
        StoreError::DeviceOfOtherUser => ApiError::forbidden(err.to_string()),
        StoreError::TooManyEvents { limit, .. } => {
            ApiError::unprocessable(err.to_string()).with("limit", limit)
        }
        StoreError::Gap { held, .. } => {
            ApiError::unprocessable(err.to_string()).with("acknowledged_seq", held)
        }
        StoreError::Busy => busy(5),
        StoreError::Db(_) => ApiError::internal(err),
    }
}

/// Invite codes are handed out on paper: case, spaces and dashes are ignored.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// `POST /api/v1/auth/join`.
pub async fn join(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<JoinRequest>,
) -> ApiResult<Response> {
    let now = now_ms();
    let login = normalize_login(&body.login);
    check_login(&login).map_err(ApiError::unprocessable)?;
    let display_name = check_display_name(&body.display_name).map_err(ApiError::unprocessable)?;
    check_password(&body.password).map_err(ApiError::unprocessable)?;
    check_not_login(&body.password, &login)?;
    let code = normalize_code(&body.invite_code);
    if code.is_empty() {
        return Err(ApiError::unprocessable("the invite code is empty"));
    }
    let attempt = state.limiter.begin_address(&addr, now).await?;
    let password_hash = match state.hasher.hash(body.password).await {
        Ok(hash) => hash,
        Err(err) => {
            state.limiter.not_judged(attempt).await;
            return Err(err);
        }
    };
    let account = NewAccount {
        login,
        display_name,
        password_hash,
    };
    match state.store.join(&code, account, now).await {
        Ok(user) => {
            state.limiter.succeeded(attempt).await;
            tracing::info!(login = %log_text(&user.login), role = user.role.id(), "joined");
            signed_in(&state, user, false, StatusCode::CREATED, &headers, &addr).await
        }
        Err(err @ StoreError::UnknownInvite) => Err(store_error(err)),
        Err(err) => {
            state.limiter.not_judged(attempt).await;
            Err(store_error(err))
        }
    }
}

/// A hash to verify against when the login is unknown, so that the answer
/// takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// Text from a client, made safe for one log line: control characters
/// (a newline that would start a forged line, terminal escapes) are written
/// as escapes, and it is cut at 200 characters.
pub fn log_text(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == 200 {
            out.push('…');
            break;
        }
        if c.is_control() || qinglian_core::sync::is_format_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `POST /api/v1/auth/login`.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let now = now_ms();
    let login = normalize_login(&body.login);
    // Counted before the password is checked: parallel tries cannot pass.
    let attempt = state.limiter.begin(&login, &addr, now).await?;
    let found = match state.store.credentials(&login).await {
        Ok(found) => found,
        Err(err) => {
            state.limiter.not_judged(attempt).await;
            return Err(store_error(err));
        }
    };
    let password = body.password;
    let checked = state
        .hasher
        .run(move || match found {
            Some(found) => {
                let ok = verify_password(&password, &found.password_hash);
                (Some(found), ok)
            }
            None => {
                verify_password(&password, dummy_hash());
                (None, false)
            }
        })
        .await;
    let (user, ok) = match checked {
        Ok(checked) => checked,
        Err(err) => {
            state.limiter.not_judged(attempt).await;
            return Err(err);
        }
    };
    match user {
        Some(found) if ok => {
            state.limiter.succeeded(attempt).await;
            if found.disabled {
                return Err(ApiError::forbidden(
                    "this account is disabled: ask an administrator",
                ));
            }
            if found.password_expires_at.is_some_and(|at| at <= now_ms()) {
                return Err(ApiError::unauthorized(
                    "this one-time password has expired: ask an administrator for a new one",
                ));
            }
            signed_in(
                &state,
                found.user,
                found.must_change_password,
                StatusCode::OK,
                &headers,
                &addr,
            )
            .await
        }
        _ => {
            state.limiter.failed(attempt, now_ms()).await;
            tracing::info!(login = %log_text(&login), %addr, "failed sign-in");
            Err(ApiError::unauthorized("wrong login or password"))
        }
    }
}

/// `POST /api/v1/auth/logout`: ends the session (if any) and clears the
/// cookie. Always 204, so a client can sign out after its session expired.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = cookie_token(&headers, state.cookie.name) {
        state
            .store
            .delete_session(&token_hash(&token))
            .await
            .map_err(ApiError::internal)?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(state.cookie));
    Ok(response)
}

/// `GET /api/v1/auth/me`.
pub async fn me(Session(session): Session) -> Json<UserResponse> {
    Json(UserResponse {
        user: session.user,
        must_change_password: session.must_change_password,
    })
}

/// A new password may not be the login.
fn check_not_login(password: &str, login: &str) -> ApiResult<()> {
    if password.trim().eq_ignore_ascii_case(login) {
        return Err(ApiError::unprocessable("the password may not be the login"));
    }
    Ok(())
}

/// A one-time password (reset, roster import): 12 characters of the
/// unambiguous invite alphabet, about 59 bits; easy to read out or type.
pub fn generate_one_time_password() -> String {
    use rand::Rng;
    let alphabet = crate::admin::CODE_ALPHABET;
    let mut rng = rand::rngs::OsRng;
    (0..12)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

/// `POST /api/v1/auth/password` body.
#[derive(serde::Deserialize)]
pub struct PasswordChange {
    /// The current password, or the one-time password of a reset.
    pub old_password: String,
    pub new_password: String,
}

/// `POST /api/v1/auth/password`: the signed-in person sets a new password,
/// giving the current one (or the one-time one). Their other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    Session(session): Session,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<Json<UserResponse>> {
    let login = session.user.login.clone();
    check_password(&body.new_password).map_err(ApiError::unprocessable)?;
    check_not_login(&body.new_password, &login)?;
    if body.new_password == body.old_password {
        return Err(ApiError::unprocessable(
            "the new password must differ from the old one",
        ));
    }
    let now = now_ms();
    let attempt = state.limiter.begin(&login, &addr, now).await?;
    let found = match state.store.credentials(&login).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            state.limiter.not_judged(attempt).await;
            return Err(ApiError::unauthorized(
                "the session has ended: sign in again",
            ));
        }
        Err(err) => {
            state.limiter.not_judged(attempt).await;
            return Err(store_error(err));
        }
    };
    let old = body.old_password;
    let stored = found.password_hash.clone();
    let ok = match state
        .hasher
        .run(move || verify_password(&old, &stored))
        .await
    {
        Ok(ok) => ok,
        Err(err) => {
            state.limiter.not_judged(attempt).await;
            return Err(err);
        }
    };
    if !ok {
        state.limiter.failed(attempt, now_ms()).await;
        return Err(ApiError::forbidden("the old password is wrong"));
    }
    state.limiter.succeeded(attempt).await;
    let hash = state.hasher.hash(body.new_password).await?;
    state
        .store
        .set_password(
            session.user.id,
            NewPassword {
                hash,
                must_change: false,
                expires_at: None,
            },
            Some(session.session_id),
            now_ms(),
            None,
        )
        .await
        .map_err(store_error)?;
    tracing::info!(login = %log_text(&login), "password changed");
    Ok(Json(UserResponse {
        user: session.user,
        must_change_password: false,
    }))
}

/// A signed-in device, with whether it is the asking one.
#[derive(serde::Serialize)]
pub struct SessionItem {
    #[serde(flatten)]
    pub session: SessionView,
    pub current: bool,
}

/// `GET /api/v1/auth/sessions`: the caller's signed-in devices.
pub async fn sessions(
    State(state): State<AppState>,
    Session(session): Session,
) -> ApiResult<Json<serde_json::Value>> {
    let list: Vec<SessionItem> = state
        .store
        .sessions_of(session.user.id)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|s| SessionItem {
            current: s.id == session.session_id,
            session: s,
        })
        .collect();
    Ok(Json(serde_json::json!({ "sessions": list })))
}

/// `DELETE /api/v1/auth/sessions/{id}`: signs one of the caller's devices out.
pub async fn end_session(
    State(state): State<AppState>,
    Session(session): Session,
    crate::error::ApiPath(id): crate::error::ApiPath<i64>,
) -> ApiResult<StatusCode> {
    if state
        .store
        .delete_session_of(session.user.id, id)
        .await
        .map_err(store_error)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("you have no session {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn one_time_passwords_hash_lightly_and_verify() {
        let code = generate_one_time_password();
        assert_eq!(code.len(), 12);
        let hash = hash_one_time_password(&code).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=2048,t=1,p=1$"), "{hash}");
        assert!(verify_password(&code, &hash));
        assert!(!verify_password("another code", &hash));
    }

    #[test]
    fn tokens_are_long_and_stored_hashed() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token_hash(&token), token);
        assert_eq!(token_hash(&token).len(), 64);
    }

    #[test]
    fn cookies_are_secure_off_loopback() {
        let secure = CookiePolicy {
            name: SESSION_COOKIE_SECURE,
            secure: true,
        };
        let plain = CookiePolicy {
            name: SESSION_COOKIE,
            secure: false,
        };
        let cookie = session_cookie("abc", secure);
        let cookie = cookie.to_str().unwrap();
        for attribute in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Secure",
            "Max-Age=7776000",
            "__Host-qinglian_session=abc",
        ] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!session_cookie("abc", plain)
            .to_str()
            .unwrap()
            .contains("Secure"));
        assert!(clear_cookie(secure).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; qinglian_session=abc; b=2"),
        );
        assert_eq!(
            cookie_token(&headers, SESSION_COOKIE).as_deref(),
            Some("abc")
        );
        assert_eq!(cookie_token(&headers, SESSION_COOKIE_SECURE), None);
    }

    /// Limits on a fresh SQLite store, as a server keeps them.
    async fn limiter() -> (RateLimiter, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SqliteStore::open(&dir.path().join("limits.db"))
            .await
            .unwrap();
        (RateLimiter::new(Arc::new(store)), dir)
    }

    /// The seconds of a 429.
    fn refused(result: ApiResult<Attempt>) -> u64 {
        let err = result.expect_err("refused");
        assert_eq!(err.status, StatusCode::TOO_MANY_REQUESTS);
        err.extra["retry_after"].as_u64().unwrap()
    }

    #[tokio::test]
    async fn delays_grow_after_the_free_failures() {
        let (limiter, _dir) = limiter().await;
        for i in 0..FREE_FAILURES {
            limiter.begin("k", "a", 1_000 + i64::from(i)).await.unwrap();
        }
        assert_eq!(refused(limiter.begin("k", "a", 1_010).await), 1);
        // Another address is not held up by these.
        let ok = limiter.begin("k", "b", 1_010).await.unwrap();
        limiter.succeeded(ok).await;
        limiter.begin("k", "a", 2_010).await.unwrap();
        assert_eq!(refused(limiter.begin("k", "a", 2_020).await), 2);
        assert_eq!(delay_after(FREE_FAILURES + 1), 2_000);
        assert_eq!(delay_after(FREE_FAILURES + 40), MAX_DELAY_MS);
    }

    #[tokio::test]
    async fn a_try_not_judged_is_given_back() {
        let (limiter, _dir) = limiter().await;
        for i in 0..FREE_FAILURES + 3 {
            let attempt = limiter.begin("k", "a", 1_000 + i64::from(i)).await.unwrap();
            limiter.not_judged(attempt).await;
        }
        assert!(limiter.begin("k", "a", 1_100).await.is_ok());
    }

    #[tokio::test]
    async fn the_address_ceiling_counts_every_account() {
        let (limiter, _dir) = limiter().await;
        for i in 0..ADDRESS_FAILURES {
            limiter
                .begin(&format!("user{i}"), "a", 1_000)
                .await
                .unwrap();
        }
        let wait = refused(limiter.begin("another", "a", 2_000).await);
        assert!((890..=900).contains(&wait), "{wait}");
        assert!(limiter
            .begin("another", "a", 1_001 + RATE_WINDOW_MS)
            .await
            .is_ok());
    }

    #[test]
    fn a_pair_forgotten_after_a_day_starts_afresh() {
        let old = LimitRecord {
            pair: Some(PairRecord {
                failures: 30,
                next_at: 5_000,
                last_failure: 1_000,
            }),
            tries: Vec::new(),
        };
        let now = 1_001 + PAIR_MEMORY_MS;
        let write = decide_begin(&old, true, now);
        assert_eq!(write.outcome, Ok(()));
        assert_eq!(write.pair.unwrap().unwrap().failures, 1);
    }

    #[test]
    fn trusted_proxies_name_the_client() {
        let trusted: Vec<Cidr> = vec![
            "127.0.0.0/8".parse().unwrap(),
            "10.1.0.0/16".parse().unwrap(),
        ];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 9.9.9.9, 10.1.2.3"),
        );
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(loopback, &headers, &trusted).to_string(),
            "9.9.9.9"
        );
        let stranger: IpAddr = "8.8.8.8".parse().unwrap();
        assert_eq!(client_ip(stranger, &headers, &trusted), stranger);
        assert_eq!(client_ip(loopback, &headers, &[]), loopback);
        assert!("::1"
            .parse::<Cidr>()
            .unwrap()
            .contains("::1".parse().unwrap()));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(stranger));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("banana".parse::<Cidr>().is_err());
    }

    #[test]
    fn log_text_cannot_start_a_line() {
        assert_eq!(log_text("a\nb"), "a\\u{a}b");
        assert_eq!(log_text("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn codes_ignore_case_spaces_and_dashes() {
        assert_eq!(normalize_code(" abcde-fghjk "), "ABCDEFGHJK");
    }
}
