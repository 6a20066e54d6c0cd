//! Accounts and sessions: Argon2id passwords, opaque session tokens kept only
//! as hashes, the session cookie, sign-in rate limiting, and the extractor
//! that tells every handler who is asking.

use crate::error::{ApiError, ApiJson, ApiResult};
use crate::store::{NewAccount, StoreError};
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
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;

const DAY_MS: i64 = 86_400_000;
/// A session unused this long ends (phones may stay offline for weeks).
pub const SESSION_IDLE_MS: i64 = 30 * DAY_MS;
/// A session ends this long after sign-in, used or not.
pub const SESSION_ABSOLUTE_MS: i64 = 90 * DAY_MS;
/// Failed sign-ins allowed per account within [`RATE_WINDOW_MS`].
pub const ACCOUNT_FAILURES: usize = 5;
/// Failed sign-ins (and unknown invite codes) allowed per client address
/// within [`RATE_WINDOW_MS`]: more than per account, as an office may share
/// one address.
pub const ADDRESS_FAILURES: usize = 20;
/// The window of the sign-in rate limits.
pub const RATE_WINDOW_MS: i64 = 15 * 60 * 1000;
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

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashing takes tens of milliseconds of CPU: off the async workers.
async fn hash_blocking(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
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
    Ok(())
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

/// 1 to 100 characters, no control characters.
pub fn check_display_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("the display name must be 1 to 100 characters".to_owned());
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

/// The `Set-Cookie` value that opens a session in the browser.
fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let max_age = SESSION_ABSOLUTE_MS / 1000;
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .expect("a hex token is a valid header value")
}

/// The `Set-Cookie` value that removes it.
fn clear_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"
    ))
    .expect("a valid header value")
}

/// The session token the request carries, if any.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The signed-in account of a request; rejects with 401 without one.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<CurrentUser> {
        let Some(token) = cookie_token(&parts.headers) else {
            return Err(ApiError::unauthorized("not signed in"));
        };
        let now = now_ms();
        let user = state
            .store
            .session_user(
                &token_hash(&token),
                now,
                now - SESSION_ABSOLUTE_MS,
                now - SESSION_IDLE_MS,
            )
            .await
            .map_err(ApiError::internal)?;
        user.map(CurrentUser)
            .ok_or_else(|| ApiError::unauthorized("the session has ended: sign in again"))
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

/// The client's address, as the connection shows it.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip().to_string())
                .unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}

/// Counts failures per key (an account, an address) in a sliding window.
#[derive(Debug, Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl RateLimiter {
    /// `Err(seconds to wait)` when `key` has `limit` failures in the window.
    pub fn check(&self, key: &str, limit: usize, now: i64) -> Result<(), u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = failures.get_mut(key) else {
            return Ok(());
        };
        while times.front().is_some_and(|t| *t <= now - RATE_WINDOW_MS) {
            times.pop_front();
        }
        if times.len() >= limit {
            let oldest = times[times.len() - limit];
            let wait_ms = oldest + RATE_WINDOW_MS - now;
            return Err(((wait_ms + 999) / 1000).max(1) as u64);
        }
        Ok(())
    }

    /// Records a failure.
    pub fn fail(&self, key: &str, now: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.back().is_some_and(|t| *t > now - RATE_WINDOW_MS));
        }
        failures.entry(key.to_owned()).or_default().push_back(now);
    }

    /// Forgets the failures of a key (after a successful sign-in).
    pub fn clear(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(key);
    }
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
async fn signed_in(state: &AppState, user: User, status: StatusCode) -> ApiResult<Response> {
    let token = new_token();
    state
        .store
        .create_session(&token_hash(&token), user.id, now_ms())
        .await
        .map_err(ApiError::internal)?;
    let mut response = (status, Json(UserResponse { user })).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&token, state.secure_cookies),
    );
    Ok(response)
}

/// Maps the store's refusals to answers; anything else is a server failure.
pub fn store_error(err: StoreError) -> ApiError {
    match err {
        StoreError::LoginTaken => ApiError::conflict(err.to_string()),
        StoreError::UnknownUnit(_) => ApiError::unprocessable(err.to_string()),
        StoreError::UnknownInvite | StoreError::InviteExpired | StoreError::InviteUsedUp => {
            ApiError::unprocessable(err.to_string())
        }
        StoreError::DeviceOfOtherUser => ApiError::forbidden(err.to_string()),
        StoreError::Gap { held, .. } => {
            ApiError::unprocessable(err.to_string()).with("acknowledged_seq", held)
        }
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
    ApiJson(body): ApiJson<JoinRequest>,
) -> ApiResult<Response> {
    let now = now_ms();
    let addr_key = format!("addr:{addr}");
    state
        .limiter
        .check(&addr_key, ADDRESS_FAILURES, now)
        .map_err(too_many)?;
    let login = normalize_login(&body.login);
    check_login(&login).map_err(ApiError::unprocessable)?;
    let display_name = check_display_name(&body.display_name).map_err(ApiError::unprocessable)?;
    check_password(&body.password).map_err(ApiError::unprocessable)?;
    let code = normalize_code(&body.invite_code);
    if code.is_empty() {
        return Err(ApiError::unprocessable("the invite code is empty"));
    }
    let password_hash = hash_blocking(body.password).await?;
    let account = NewAccount {
        login,
        display_name,
        password_hash,
    };
    match state.store.join(&code, account, now).await {
        Ok(user) => {
            tracing::info!(login = %user.login, role = user.role.id(), "joined");
            signed_in(&state, user, StatusCode::CREATED).await
        }
        Err(err @ StoreError::UnknownInvite) => {
            state.limiter.fail(&addr_key, now);
            Err(store_error(err))
        }
        Err(err) => Err(store_error(err)),
    }
}

/// A hash to verify against when the login is unknown, so that the answer
/// takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// `POST /api/v1/auth/login`.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let now = now_ms();
    let login = normalize_login(&body.login);
    let account_key = format!("login:{login}");
    let addr_key = format!("addr:{addr}");
    state
        .limiter
        .check(&account_key, ACCOUNT_FAILURES, now)
        .and_then(|()| state.limiter.check(&addr_key, ADDRESS_FAILURES, now))
        .map_err(too_many)?;
    let found = state.store.credentials(&login).await.map_err(store_error)?;
    let password = body.password;
    let (user, ok) = tokio::task::spawn_blocking(move || match found {
        Some((user, hash)) => {
            let ok = verify_password(&password, &hash);
            (Some(user), ok)
        }
        None => {
            verify_password(&password, dummy_hash());
            (None, false)
        }
    })
    .await
    .map_err(ApiError::internal)?;
    match user {
        Some(user) if ok => {
            state.limiter.clear(&account_key);
            signed_in(&state, user, StatusCode::OK).await
        }
        _ => {
            state.limiter.fail(&account_key, now);
            state.limiter.fail(&addr_key, now);
            tracing::info!(%login, %addr, "failed sign-in");
            Err(ApiError::unauthorized("wrong login or password"))
        }
    }
}

/// `POST /api/v1/auth/logout`: ends the session (if any) and clears the
/// cookie. Always 204, so a client can sign out after its session expired.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = cookie_token(&headers) {
        state
            .store
            .delete_session(&token_hash(&token))
            .await
            .map_err(ApiError::internal)?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(state.secure_cookies));
    Ok(response)
}

/// `GET /api/v1/auth/me`.
pub async fn me(CurrentUser(user): CurrentUser) -> Json<UserResponse> {
    Json(UserResponse { user })
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
    fn tokens_are_long_and_stored_hashed() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token_hash(&token), token);
        assert_eq!(token_hash(&token).len(), 64);
    }

    #[test]
    fn cookies_are_secure_off_loopback() {
        let cookie = session_cookie("abc", true);
        let cookie = cookie.to_str().unwrap();
        for attribute in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Secure",
            "Max-Age=7776000",
        ] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!session_cookie("abc", false)
            .to_str()
            .unwrap()
            .contains("Secure"));
        assert!(clear_cookie(true).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; qinglian_session=abc; b=2"),
        );
        assert_eq!(cookie_token(&headers).as_deref(), Some("abc"));
    }

    #[test]
    fn limiter_counts_in_a_window() {
        let limiter = RateLimiter::default();
        for i in 0..5 {
            assert!(limiter.check("k", 5, 1_000 + i).is_ok());
            limiter.fail("k", 1_000 + i);
        }
        let wait = limiter.check("k", 5, 2_000).unwrap_err();
        assert!((890..=900).contains(&wait), "{wait}");
        assert!(limiter.check("k", 5, 1_005 + RATE_WINDOW_MS).is_ok());
    }

    #[test]
    fn codes_ignore_case_spaces_and_dashes() {
        assert_eq!(normalize_code(" abcde-fghjk "), "ABCDEFGHJK");
    }
}
