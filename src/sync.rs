//! The sync client: when the learner has signed in to their bureau's server
//! (the same origin that served the app), their events go up and the events
//! of their other devices come down. The outbox is simply every event of this
//! device after the seq the server acknowledged: nothing leaves it before the
//! server says it holds it. Without a sign-in the app is local-only.

use crate::pack::PackState;
use crate::state::{now_ms, AppState};
use crate::storage;
use crate::together::{self, TogetherView};
use leptos::prelude::*;
use qinglian_core::content::{Editions, Pack};
use qinglian_core::i18n::{server_error, Key, Message, ServerCall};
use qinglian_core::settings::Lang;
use qinglian_core::sync::{
    next_batch, ApiError, ConflictError, GapError, JoinRequest, LoginRequest, PullResponse,
    PushRequest, PushResponse, User, UserResponse, PUSH_BATCH_EVENTS,
};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const SYNC_KEY: &str = "qinglian.sync";
const SERVER_PACK_KEY: &str = "qinglian.server-pack";
/// A new event is pushed this long after the last one (events come in bursts).
const DEBOUNCE_MS: u32 = 3_000;
/// Synced anyway this often while the app is open.
const PERIOD_MS: u32 = 5 * 60 * 1000;
/// Backoff after failures: 2 s, 4 s, 8 s … at most this.
const MAX_BACKOFF_MS: f64 = 5.0 * 60.0 * 1000.0;

/// What the sync client keeps between visits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRecord {
    /// The signed-in account; `None` means local-only.
    pub user: Option<User>,
    /// The highest seq of this device the server holds.
    pub acknowledged_seq: u64,
    /// Where the next pull starts.
    pub cursor: i64,
    /// When the last sync finished (ms UTC).
    pub last_synced_at: Option<i64>,
    /// Events the server refused as conflicts (ids); kept locally, reported.
    #[serde(default)]
    pub conflicts: Vec<String>,
    /// The server ended the session (account disabled, signed out from
    /// another device, expired): this phone is local-only again and keeps
    /// everything, including what had not reached the server.
    #[serde(default)]
    pub session_ended: bool,
    /// Signed in with a one-time password: a new password must be set
    /// before the server takes anything else.
    #[serde(default)]
    pub must_change_password: bool,
}

/// What the top bar and Settings show about syncing.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncPhase {
    /// No server account: progress stays on this phone.
    LocalOnly,
    Idle,
    Syncing,
    /// The last attempt failed; the reason, in the reader's words.
    Failed(Message),
}

/// The sync client's signals.
#[derive(Clone, Copy)]
pub struct SyncState {
    pub record: RwSignal<SyncRecord>,
    pub phase: RwSignal<SyncPhase>,
}

fn load_record() -> SyncRecord {
    match storage::read_raw(SYNC_KEY) {
        None => SyncRecord::default(),
        Some(raw) => serde_json::from_str(&raw).unwrap_or_else(|err| {
            storage::set_aside(SYNC_KEY, &raw, &format!("not valid JSON: {err}"));
            SyncRecord::default()
        }),
    }
}

fn save_record(record: &SyncRecord) -> Result<(), storage::StorageError> {
    storage::write_raw(
        SYNC_KEY,
        &serde_json::to_string(record).expect("record serialises"),
    )
}

/// Where the published edition for readers of `lang` is kept.
fn published_path(lang: Lang) -> String {
    format!("/published/pack.{}.json", lang.tag())
}

/// Where that edition's outline (`Pack::outline`) is kept.
pub fn published_outline_path(lang: Lang) -> String {
    format!("/published/outline.{}.json", lang.tag())
}

/// Keeps the outline of `pack`, the published edition for readers of
/// `lang`, which start-up reads first.
async fn keep_outline(lang: Lang, pack: &Pack) -> Result<(), storage::StorageError> {
    let outline = serde_json::to_string(&pack.outline()).expect("an outline serialises");
    storage::put_published(&published_outline_path(lang), &outline).await
}

/// The edition the bureau's server published for readers of `lang`, kept for
/// offline use; `None` when there is none (then the build's own is used).
/// Only the reader's edition is read at start: each was checked on arrival.
/// `outline_unread`: start-up did not read this edition's outline, which
/// may then be missing (kept by a version that wrote none).
pub async fn published_edition(lang: Lang, outline_unread: bool) -> Option<Pack> {
    if let Some(bytes) = storage::published(&published_path(lang)).await {
        if let Ok(pack) = serde_json::from_slice::<Pack>(&bytes) {
            // Kept by a version that wrote no outline: written now, for the
            // next start (a failure only means waiting for the whole edition).
            if outline_unread
                && storage::published(&published_outline_path(lang))
                    .await
                    .is_none()
            {
                let _ = keep_outline(lang, &pack).await;
            }
            return Some(pack);
        }
    }
    // An earlier version kept both editions together in local storage: they
    // move into the cache once.
    let raw = storage::read_raw(SERVER_PACK_KEY)?;
    let editions = serde_json::from_str::<Editions>(&raw)
        .ok()
        .filter(|e| e.validate().is_empty())?;
    if keep_editions(&raw).await.is_ok() {
        storage::remove(SERVER_PACK_KEY);
    }
    editions.for_reader(lang).cloned()
}

/// Keeps the edition each language's readers get from a checked publication
/// (`raw`, as the server sent it), each as sent, without re-serialising.
async fn keep_editions(raw: &str) -> Result<(), storage::StorageError> {
    #[derive(Deserialize)]
    struct Sent<'a> {
        #[serde(borrow)]
        packs: Vec<&'a serde_json::value::RawValue>,
    }
    #[derive(Deserialize)]
    struct LangOf {
        lang: Lang,
    }
    let sent: Sent = serde_json::from_str(raw)
        .map_err(|err| storage::StorageError::Unavailable(err.to_string()))?;
    let langs: Vec<Option<Lang>> = sent
        .packs
        .iter()
        .map(|pack| {
            serde_json::from_str::<LangOf>(pack.get())
                .ok()
                .map(|l| l.lang)
        })
        .collect();
    for lang in Lang::ALL {
        // As `Editions::for_reader`: the reader's language, else the first.
        let chosen = langs.iter().position(|l| *l == Some(lang)).unwrap_or(0);
        if let Some(pack) = sent.packs.get(chosen) {
            storage::put_published(&published_path(lang), pack.get()).await?;
            // Checked on arrival, so it parses; its outline follows it.
            if let Ok(parsed) = serde_json::from_str::<Pack>(pack.get()) {
                keep_outline(lang, &parsed).await?;
            }
        }
    }
    Ok(())
}

impl SyncState {
    pub fn new() -> SyncState {
        let record = load_record();
        let phase = if record.user.is_some() {
            SyncPhase::Idle
        } else {
            SyncPhase::LocalOnly
        };
        SyncState {
            record: RwSignal::new(record),
            phase: RwSignal::new(phase),
        }
    }

    /// Changes the record and keeps it (a failed save is retried with the next change).
    pub fn update_record(&self, change: impl FnOnce(&mut SyncRecord)) {
        self.record.update(|record| {
            change(record);
            let _ = save_record(record);
        });
    }
}

impl Default for SyncState {
    fn default() -> Self {
        SyncState::new()
    }
}

/// How many events of this device, and requests of this account, the server
/// does not hold yet. In the moment after start-up before the whole log is
/// read, the count of the events read (it grows then): whoever decides on it
/// (signing out) calls [`AppState::complete_log`] first.
pub fn waiting(state: &AppState) -> usize {
    let acked = state.sync.record.with(|r| r.acknowledged_seq);
    let events = state.log.with(|log| {
        log.recent()
            .iter()
            .filter(|e| e.device == log.device && e.seq > acked)
            .count()
    });
    events + together::waiting_requests(state)
}

// ---------------------------------------------------------------------------
// HTTP

/// An HTTP answer: status, body text and `Retry-After` (seconds).
struct Answer {
    status: u16,
    body: String,
    retry_after: Option<u64>,
}

impl Answer {
    /// The learner's words for this error answer to `call`. The server's
    /// own text (English, for administrators) goes to the console.
    fn error(&self, call: ServerCall) -> Message {
        if let Ok(error) = serde_json::from_str::<ApiError>(&self.body) {
            web_sys::console::warn_1(&format!("server {}: {}", self.status, error.error).into());
        }
        let must_change = serde_json::from_str::<serde_json::Value>(&self.body)
            .is_ok_and(|v| v["must_change_password"] == true);
        if self.status == 403 && must_change {
            return Message::key(Key::PasswordMustChange);
        }
        server_error(call, self.status, self.retry_after)
    }
}

async fn request(method: &str, url: &str, body: Option<String>) -> Result<Answer, Message> {
    request_with(method, url, body, &[]).await
}

async fn request_with(
    method: &str,
    url: &str,
    body: Option<String>,
    extra: &[(&str, &str)],
) -> Result<Answer, Message> {
    let unbuildable = || Message::key(Key::ErrNoConnection);
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    init.set_cache(web_sys::RequestCache::NoStore);
    let headers = web_sys::Headers::new().map_err(|_| unbuildable())?;
    for (name, value) in extra {
        headers.set(name, value).map_err(|_| unbuildable())?;
    }
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
        headers
            .set("content-type", "application/json")
            .map_err(|_| unbuildable())?;
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(|_| unbuildable())?;
    let response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(|_| Message::key(Key::ErrNoConnection))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?;
    let text = JsFuture::from(
        response
            .text()
            .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?,
    )
    .await
    .map_err(|_| Message::key(Key::ErrConnectionBroke))?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    Ok(Answer {
        status: response.status(),
        body: text.as_string().unwrap_or_default(),
        retry_after,
    })
}

// ---------------------------------------------------------------------------
// Accounts

/// Signs in; the session cookie is set by the server. Local progress made
/// before signing in is uploaded at the first sync.
pub async fn sign_in(state: AppState, login: String, password: String) -> Result<(), Message> {
    let body = serde_json::to_string(&LoginRequest { login, password }).expect("serialises");
    signed_in(
        state,
        request("POST", "/api/v1/auth/login", Some(body)).await?,
        200,
        ServerCall::SignIn,
    )
}

/// Creates an account from an invite code and signs in.
pub async fn join(state: AppState, request_body: JoinRequest) -> Result<(), Message> {
    let body = serde_json::to_string(&request_body).expect("serialises");
    signed_in(
        state,
        request("POST", "/api/v1/auth/join", Some(body)).await?,
        201,
        ServerCall::Join,
    )
}

fn signed_in(
    state: AppState,
    answer: Answer,
    expected: u16,
    call: ServerCall,
) -> Result<(), Message> {
    if answer.status != expected {
        return Err(answer.error(call));
    }
    let UserResponse {
        user,
        must_change_password,
        ..
    } = serde_json::from_str(&answer.body).map_err(|_| Message::key(Key::ErrUnreadableAnswer))?;
    state.sync.update_record(|r| {
        r.user = Some(user);
        r.acknowledged_seq = 0;
        r.cursor = 0;
        r.conflicts.clear();
        r.session_ended = false;
        r.must_change_password = must_change_password;
    });
    state.sync.phase.set(SyncPhase::Idle);
    request_sync(state);
    Ok(())
}

/// Signs out on the server and forgets this phone's progress (it is on the
/// server). The caller has made sure nothing is waiting, or the user agreed
/// to lose what is. A fresh device id follows, as another person may sign in next.
pub async fn sign_out(state: AppState) {
    let _ = request("POST", "/api/v1/auth/logout", None).await;
    state.log.update(|log| {
        if let Err(err) = log.clear_as_new_device() {
            state.storage_error.set(Some(err));
        }
    });
    storage::clear_reading_positions();
    storage::remove(SERVER_PACK_KEY);
    storage::forget_published().await;
    together::forget(state);
    state.sync.update_record(|r| *r = SyncRecord::default());
    state.sync.phase.set(SyncPhase::LocalOnly);
}

// ---------------------------------------------------------------------------
// Syncing

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static FAILURES: Cell<u32> = const { Cell::new(0) };
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// Starts a sync now (or right after the one running).
pub fn request_sync(state: AppState) {
    if state.sync.record.with_untracked(|r| r.user.is_none()) {
        return;
    }
    // The outbox may reach into the log's chunks that start-up reads after
    // the first screen: sync once they are read.
    if !state.log.with_untracked(storage::EventLog::is_complete) {
        gloo_timers::callback::Timeout::new(250, move || request_sync(state)).forget();
        return;
    }
    if RUNNING.with(Cell::get) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    RUNNING.with(|r| r.set(true));
    leptos::task::spawn_local(async move {
        loop {
            AGAIN.with(|a| a.set(false));
            let result = sync_once(state).await;
            match result {
                Ok(()) => {
                    FAILURES.with(|f| f.set(0));
                    state.sync.phase.set(SyncPhase::Idle);
                }
                Err(reason) if reason.key == Key::ErrSessionEnded => session_ended(state),
                // Not a failure to retry: the learner sets a password first.
                Err(reason) if reason.key == Key::PasswordMustChange => {
                    state.sync.phase.set(SyncPhase::Failed(reason))
                }
                Err(reason) => {
                    state.sync.phase.set(SyncPhase::Failed(reason));
                    if state.sync.record.with_untracked(|r| r.user.is_some()) {
                        schedule_retry(state);
                    }
                }
            }
            if !AGAIN.with(Cell::get) {
                break;
            }
        }
        RUNNING.with(|r| r.set(false));
    });
}

/// The server no longer knows this session: the phone goes back to
/// local-only, says so, and keeps every event (what was waiting goes up after
/// the next sign-in).
fn session_ended(state: AppState) {
    state.sync.update_record(|r| {
        r.user = None;
        r.session_ended = true;
    });
    state.sync.phase.set(SyncPhase::LocalOnly);
}

/// Retries after a failure with exponential backoff and jitter.
fn schedule_retry(state: AppState) {
    let failures = FAILURES.with(|f| {
        f.set(f.get() + 1);
        f.get()
    });
    let base = (2_000.0 * 2f64.powi(failures.min(16) as i32 - 1)).min(MAX_BACKOFF_MS);
    let delay = base * (0.5 + js_sys::Math::random());
    let generation = GENERATION.with(Cell::get);
    gloo_timers::callback::Timeout::new(delay as u32, move || {
        // A newer trigger (online, Sync now) may have run meanwhile.
        if GENERATION.with(Cell::get) == generation && window().navigator().on_line() {
            request_sync(state);
        }
    })
    .forget();
}

/// One full sync: push the outbox in batches, pull what other devices did,
/// and take a newer content pack.
async fn sync_once(state: AppState) -> Result<(), Message> {
    GENERATION.with(|g| g.set(g.get() + 1));
    if !window().navigator().on_line() {
        return Err(Message::key(Key::ErrOfflineWaiting));
    }
    if state.sync.record.with_untracked(|r| r.must_change_password) {
        // The server takes nothing before a new password is set (Settings).
        return Err(Message::key(Key::PasswordMustChange));
    }
    state.sync.phase.set(SyncPhase::Syncing);
    push(state).await?;
    let content_version = pull(state).await?;
    if let Some(version) = content_version {
        let current = state.pack.with_untracked(|p| match p {
            PackState::Ready(pack) => Some(pack.version.clone()),
            _ => None,
        });
        if current.as_deref() != Some(version.as_str()) {
            update_pack(state).await?;
        }
    }
    send_requests(state).await?;
    refresh_together(state).await?;
    state
        .sync
        .update_record(|r| r.last_synced_at = Some(now_ms()));
    Ok(())
}

/// Sends the requests written on this phone, oldest first. One the server
/// refuses (a question too long, a round already closed) stays in the outbox
/// marked with the reason, for the person to read and decide; the others go
/// on. A lost connection or a busy server stops here, to retry later.
async fn send_requests(state: AppState) -> Result<(), Message> {
    let Some(user) = state.sync.record.with_untracked(|r| r.user.clone()) else {
        return Ok(());
    };
    let pending: Vec<together::Queued> = state.together.outbox.with_untracked(|o| {
        o.iter()
            .filter(|q| q.user_id == user.id && q.refused.is_none())
            .cloned()
            .collect()
    });
    for queued in pending {
        let (method, path, body) = queued.request.http();
        let answer = request(method, &path, Some(body)).await?;
        match answer.status {
            200..=299 => together::update_outbox(state, |o| o.retain(|q| q.id != queued.id)),
            401 | 408 | 429 | 500..=599 => return Err(answer.error(ServerCall::Sync)),
            403 if answer.error(ServerCall::Sync).key == Key::PasswordMustChange => {
                return Err(Message::key(Key::PasswordMustChange))
            }
            status => {
                let detail = serde_json::from_str::<ApiError>(&answer.body)
                    .ok()
                    .map(|e| e.error);
                together::update_outbox(state, |o| {
                    if let Some(q) = o.iter_mut().find(|q| q.id == queued.id) {
                        q.refused = Some(together::Refused { status, detail });
                    }
                });
            }
        }
    }
    Ok(())
}

/// Fetches what is shared with the unit and keeps it for offline reading.
async fn refresh_together(state: AppState) -> Result<(), Message> {
    let Some(user) = state.sync.record.with_untracked(|r| r.user.clone()) else {
        return Ok(());
    };
    /// The answer read, and its text as received (kept as it is).
    async fn get<T: serde::de::DeserializeOwned>(url: &str) -> Result<(T, String), Message> {
        let answer = request("GET", url, None).await?;
        if answer.status != 200 {
            return Err(answer.error(ServerCall::Sync));
        }
        let value = serde_json::from_str(&answer.body)
            .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?;
        Ok((value, answer.body))
    }
    let (sessions, sessions_json) = get("/api/v1/sessions").await?;
    let (questions, questions_json) = get("/api/v1/questions").await?;
    let (rounds, rounds_json) =
        get::<Vec<qinglian_core::together::FeedbackRound>>("/api/v1/feedback/rounds").await?;
    let (assignments, assignments_json) = get("/api/v1/assignments").await?;
    let (units, units_json) = if together::is_leader(&user) {
        get("/api/v1/units/led").await?
    } else {
        (Vec::new(), "[]".to_owned())
    };
    let now = now_ms();
    let mut results = std::collections::BTreeMap::new();
    let mut results_json = Vec::new();
    for round in rounds.iter().filter(|r| r.may_see_results && r.closed(now)) {
        let (result, json) = get(&format!("/api/v1/feedback/rounds/{}/results", round.id)).await?;
        results.insert(round.id, result);
        results_json.push((round.id, json));
    }
    let stored = together::stored_view(
        now,
        [
            &sessions_json,
            &questions_json,
            &rounds_json,
            &assignments_json,
            &units_json,
        ],
        &results_json,
    );
    let view = TogetherView {
        sessions,
        questions,
        rounds,
        assignments,
        units,
        results,
        fetched_at: Some(now),
    };
    together::save_view(state, view, &stored);
    together::void_refused_check_ins(state);
    Ok(())
}

async fn push(state: AppState) -> Result<(), Message> {
    loop {
        let acked = state.sync.record.with_untracked(|r| r.acknowledged_seq);
        // New events must come after what the server holds of this device,
        // even if this phone's storage was reset or restored meanwhile.
        if state.log.with_untracked(|log| log.next_seq <= acked) {
            state.log.update(|log| log.continue_after(acked));
        }
        let (device, batch) = state.log.with_untracked(|log| {
            // Always complete here (it never becomes incomplete again).
            let batch = log
                .all()
                .map(|all| next_batch(all, &log.device, acked, PUSH_BATCH_EVENTS))
                .unwrap_or_default();
            (log.device.clone(), batch)
        });
        if batch.is_empty() {
            return Ok(());
        }
        let body = serde_json::to_string(&PushRequest {
            device,
            events: batch,
        })
        .expect("serialises");
        let answer = request("POST", "/api/v1/sync/push", Some(body)).await?;
        match answer.status {
            200 => {
                let ok: PushResponse = serde_json::from_str(&answer.body)
                    .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?;
                state.sync.update_record(|r| {
                    r.acknowledged_seq = r.acknowledged_seq.max(ok.acknowledged_seq)
                });
            }
            409 => {
                let conflict: ConflictError = serde_json::from_str(&answer.body)
                    .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?;
                state.sync.update_record(|r| {
                    r.acknowledged_seq = r.acknowledged_seq.max(conflict.acknowledged_seq);
                    for id in &conflict.conflicts {
                        if !r.conflicts.contains(id) {
                            r.conflicts.push(id.clone());
                        }
                    }
                });
                // The conflicting events stay on this phone; the rest went up.
                let still_waiting =
                    state.sync.record.with_untracked(|r| r.acknowledged_seq) == acked;
                if still_waiting {
                    let conflicts = state.sync.record.with_untracked(|r| r.conflicts.len());
                    return Err(Message::of(
                        Key::SyncConflicts,
                        vec![("n", conflicts.to_string())],
                    ));
                }
            }
            422 => match serde_json::from_str::<GapError>(&answer.body) {
                // The server holds less than we thought (restored from a
                // backup, say): send again from what it holds.
                Ok(gap) if gap.acknowledged_seq < acked => {
                    state
                        .sync
                        .update_record(|r| r.acknowledged_seq = gap.acknowledged_seq);
                }
                _ => return Err(answer.error(ServerCall::Sync)),
            },
            _ => return Err(answer.error(ServerCall::Sync)),
        }
    }
}

async fn pull(state: AppState) -> Result<Option<String>, Message> {
    loop {
        let cursor = state.sync.record.with_untracked(|r| r.cursor);
        let device = state.log.with_untracked(|l| l.device.clone());
        let url = format!(
            "/api/v1/sync/pull?device={}&cursor={cursor}&limit=500",
            js_sys::encode_uri_component(&device)
        );
        let answer = request("GET", &url, None).await?;
        if answer.status != 200 {
            return Err(answer.error(ServerCall::Sync));
        }
        let page: PullResponse = serde_json::from_str(&answer.body)
            .map_err(|_| Message::key(Key::ErrUnreadableAnswer))?;
        state.merge_in(&page.events).map_err(|err| err.message())?;
        state.sync.update_record(|r| r.cursor = page.next_cursor);
        if !page.more {
            return Ok(page.content_version);
        }
    }
}

/// Downloads the editions the server publishes, checks them, keeps them for
/// offline use and switches to the reader's edition. Progress is keyed by
/// stable ids, so it carries over.
async fn update_pack(state: AppState) -> Result<(), Message> {
    let current = state.pack.with_untracked(|p| match p {
        PackState::Ready(pack) => format!("\"{}\"", pack.version),
        _ => String::new(),
    });
    let answer = request_with(
        "GET",
        "/api/v1/content",
        None,
        &[("if-none-match", &current)],
    )
    .await?;
    if answer.status == 304 {
        return Ok(());
    }
    if answer.status != 200 {
        return Err(answer.error(ServerCall::Content));
    }
    let editions: Editions = serde_json::from_str(&answer.body)
        .map_err(|_| Message::key(Key::ErrNewLessonsUnreadable))?;
    if !editions.validate().is_empty() {
        return Err(Message::key(Key::ErrNewLessonsInvalid));
    }
    match keep_editions(&answer.body).await {
        Ok(()) => storage::remove(SERVER_PACK_KEY),
        Err(err) => {
            // No half-kept publication: the older way, or nothing kept (then
            // they are used now and fetched again next time).
            storage::forget_published().await;
            if storage::write_raw(SERVER_PACK_KEY, &answer.body).is_err() {
                state.storage_error.set(Some(err));
            }
        }
    }
    let lang = state.settings.with_untracked(|s| s.lang);
    if let Some(pack) = editions.for_reader(lang) {
        state
            .pack
            .set(PackState::Ready(std::sync::Arc::new(pack.clone())));
    }
    Ok(())
}

/// Wires the triggers: start, the `online` event, a few seconds after each
/// new event, and a timer.
pub fn start(state: AppState) {
    if state.sync.record.with_untracked(|r| r.user.is_some()) {
        request_sync(state);
        leptos::task::spawn_local(async move { refresh_user(state).await });
    }
    window_event_listener(leptos::ev::online, move |_| {
        FAILURES.with(|f| f.set(0));
        request_sync(state);
    });
    let pending: Rc<Cell<Option<gloo_timers::callback::Timeout>>> = Rc::new(Cell::new(None));
    // Events recorded since: the events read grow by them (reading the rest
    // of the log after start-up adds none).
    let count = |l: &storage::EventLog| l.unread() + l.recent().len();
    let last_len = Rc::new(Cell::new(state.log.with_untracked(count)));
    Effect::new(move |_| {
        let len = state.log.with(count);
        if len > last_len.get() && state.sync.record.with_untracked(|r| r.user.is_some()) {
            pending.set(Some(gloo_timers::callback::Timeout::new(
                DEBOUNCE_MS,
                move || request_sync(state),
            )));
        }
        last_len.set(len);
    });
    gloo_timers::callback::Interval::new(PERIOD_MS, move || request_sync(state)).forget();
}

/// Learns whether the session still holds (and the account's current role).
async fn refresh_user(state: AppState) {
    if let Ok(answer) = request("GET", "/api/v1/auth/me", None).await {
        match answer.status {
            200 => {
                if let Ok(me) = serde_json::from_str::<UserResponse>(&answer.body) {
                    state.sync.update_record(|r| {
                        r.user = Some(me.user);
                        r.must_change_password = me.must_change_password;
                    });
                }
            }
            401 => session_ended(state),
            _ => {}
        }
    }
}

/// Why the server did not do what the admin console or an account page
/// asked: the learner's words, and the server's answer (its `error` says
/// which field or row was wrong; content uploads list their `problems`).
#[derive(Clone, Debug)]
pub struct Refusal {
    pub message: Message,
    pub body: serde_json::Value,
}

impl Refusal {
    /// The server's own explanation, when it gave one.
    pub fn detail(&self) -> Option<String> {
        self.body["error"].as_str().map(str::to_owned)
    }
}

impl From<Message> for Refusal {
    fn from(message: Message) -> Refusal {
        Refusal {
            message,
            body: serde_json::Value::Null,
        }
    }
}

/// One call to the server's JSON API (admin console, account pages):
/// the answer's JSON (`null` for an empty answer), or why not.
pub async fn api(
    method: &str,
    url: &str,
    body: Option<serde_json::Value>,
    call: ServerCall,
) -> Result<serde_json::Value, Refusal> {
    let answer = request(method, url, body.map(|b| b.to_string())).await?;
    let json = if answer.body.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&answer.body).map_err(|_| Message::key(Key::ErrUnreadableAnswer))?
    };
    if (200..300).contains(&answer.status) {
        Ok(json)
    } else {
        Err(Refusal {
            message: answer.error(call),
            body: json,
        })
    }
}

/// Fetches a unit report (leaders, online only) as raw JSON.
pub async fn unit_report(unit_id: i64) -> Result<serde_json::Value, Message> {
    let answer = request("GET", &format!("/api/v1/reports/units/{unit_id}"), None).await?;
    if answer.status != 200 {
        return Err(answer.error(ServerCall::Report));
    }
    serde_json::from_str(&answer.body).map_err(|_| Message::key(Key::ErrReportUnreadable))
}

/// The per-unit summary for administrators, as raw JSON.
pub async fn units_summary() -> Result<serde_json::Value, Message> {
    let answer = request("GET", "/api/v1/reports/units", None).await?;
    if answer.status != 200 {
        return Err(answer.error(ServerCall::Report));
    }
    serde_json::from_str(&answer.body).map_err(|_| Message::key(Key::ErrReportUnreadable))
}
