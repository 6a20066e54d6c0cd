//! The sync protocol between the app and the optional server: the JSON bodies
//! of `/api/v1/auth/*` and `/api/v1/sync/*`, shared so that the app's sync
//! client and the server can never disagree on a field name. Serde only: this
//! module is compiled to wasm as well.
//!
//! The rules (enforced by the server, relied on by the client):
//! - Push sends a device's events after its last acknowledged `seq`, in seq
//!   order. The server stores them in one transaction and answers with the
//!   highest seq it now holds for that device; the client keeps every event
//!   until that number covers it.
//! - An id the server already has with the same payload is a duplicate and is
//!   accepted silently, so a retry after a lost answer is always safe.
//! - An id the server has with another payload is a conflict (409): it is not
//!   stored, the rest of the batch is.
//! - A batch whose first new event does not follow the held seq is refused
//!   whole (422, [`GapError`]); the client resends from `acknowledged_seq + 1`.
//! - Pull returns the user's events from the *other* devices after a cursor,
//!   in the server's order, a page at a time.

use crate::events::Event;
use serde::{Deserialize, Serialize};

/// The session cookie's name: the browser sends it, the app never reads it
/// (it is HttpOnly).
pub const SESSION_COOKIE: &str = "qinglian_session";
/// Its name when the server runs behind HTTPS (`--public-url https://…`):
/// the `__Host-` prefix makes browsers accept it only with `Secure`,
/// `Path=/` and no `Domain`, so no other site or subdomain can set it.
pub const SESSION_COOKIE_SECURE: &str = "__Host-qinglian_session";
/// Shortest password the server accepts, in characters; the app checks it
/// before sending so the learner hears it at once.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The largest push body the server reads (bytes); a client splits its
/// outbox into batches below it.
pub const PUSH_MAX_BYTES: usize = 2 * 1024 * 1024;
/// A batch size that stays well below [`PUSH_MAX_BYTES`] for any event.
pub const PUSH_BATCH_EVENTS: usize = 500;
/// The most events one push may carry; the server answers 413 past it.
pub const PUSH_MAX_EVENTS: usize = 500;
/// Events per pull page when the client names no limit.
pub const PULL_DEFAULT_LIMIT: u32 = 500;
/// The most events one pull page returns, whatever limit is asked for.
pub const PULL_MAX_LIMIT: u32 = 1000;

/// What a signed-in person may do. Sent as `"learner"`, `"leader"`, `"admin"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees and syncs only their own progress.
    Learner,
    /// Also sees the reports of their own unit and its sub-units.
    Leader,
    /// Manages units, invites, users and content; sees every report.
    Admin,
}

impl Role {
    /// The id used in JSON, the database and the command line.
    pub fn id(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }

    /// Reads an id back; `None` for anything unknown.
    pub fn from_id(id: &str) -> Option<Role> {
        [Role::Learner, Role::Leader, Role::Admin]
            .into_iter()
            .find(|role| role.id() == id)
    }
}

/// The signed-in account, as the app shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// The unit (department) the account belongs to; administrators may have none.
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
}

/// `{ "user": …, "must_change_password": … }`: the answer of join, login,
/// me and a password change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserResponse {
    pub user: User,
    /// Signed in with a one-time password (an administrator's reset, a
    /// roster import): every other endpoint answers 403 until a new password
    /// is set with `POST /api/v1/auth/password`.
    #[serde(default)]
    pub must_change_password: bool,
}

/// `POST /api/v1/auth/join`: a new account from an invite code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// As the administrator handed it out; case, spaces and dashes do not matter.
    pub invite_code: String,
    pub login: String,
    pub display_name: String,
    pub password: String,
}

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

/// `POST /api/v1/sync/push`: one device's events after its acknowledged seq.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Every event's `device` must equal this.
    pub device: String,
    pub events: Vec<Event>,
}

/// The 200 answer to a push: everything in the batch is now held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The highest seq the server holds for the device: the client may drop
    /// every event of that device up to it from its outbox.
    pub acknowledged_seq: u64,
    /// Events newly stored by this request.
    pub stored: u32,
    /// Events the server already had, identical.
    pub duplicates: u32,
}

/// The 409 answer: some ids were already used by different events. The
/// other events of the batch were stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictError {
    pub error: String,
    /// The ids the server refused.
    pub conflicts: Vec<String>,
    pub acknowledged_seq: u64,
    pub stored: u32,
    pub duplicates: u32,
}

/// The 422 answer to a push that does not follow what the server holds;
/// nothing of the batch was stored. Resend from `acknowledged_seq + 1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapError {
    pub error: String,
    pub acknowledged_seq: u64,
}

/// `GET /api/v1/sync/pull` query: `?device=D&cursor=C&limit=L`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullQuery {
    /// The asking device: its own events are not sent back.
    #[serde(default)]
    pub device: Option<String>,
    /// The `next_cursor` of the previous page; 0 (or absent) the first time.
    #[serde(default)]
    pub cursor: Option<i64>,
    /// Page size, at most [`PULL_MAX_LIMIT`]; [`PULL_DEFAULT_LIMIT`] when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One page of a pull.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub events: Vec<Event>,
    /// Where the next page starts; keep it for the next sync when `more` is false.
    pub next_cursor: i64,
    /// Another page is waiting: pull again at once with `next_cursor`.
    pub more: bool,
    /// The content pack the server publishes now (`None` when it has none):
    /// when it differs from the app's, fetch `/api/v1/content`.
    pub content_version: Option<String>,
}

/// `GET /api/v1/content/version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentVersion {
    pub version: String,
}

/// Every API error body: `{"error": "what was wrong"}` (some add fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
}

/// Is `c` an invisible Unicode format character (general category Cf: bidi
/// overrides and isolates, zero-width spaces and joiners, soft hyphen, tag
/// characters …)? Names and logins may not contain them: they make one
/// name look like another, or reorder the text around them.
pub fn is_format_char(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// The events of `device` a client still has to push: those after the
/// acknowledged seq, in seq order, at most `max` of them.
pub fn next_batch(events: &[Event], device: &str, acknowledged_seq: u64, max: usize) -> Vec<Event> {
    let mut pending: Vec<Event> = events
        .iter()
        .filter(|e| e.device == device && e.seq > acknowledged_seq)
        .cloned()
        .collect();
    pending.sort_by_key(|e| e.seq);
    pending.truncate(max);
    pending
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventKind;

    fn event(device: &str, seq: u64) -> Event {
        Event {
            id: format!("{device}-{seq}"),
            device: device.into(),
            seq,
            at: 1_000 * seq as i64,
            kind: EventKind::StudyTime { seconds: 30 },
        }
    }

    #[test]
    fn format_characters_are_recognised() {
        for c in [
            '\u{202E}',
            '\u{200B}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{AD}',
            '\u{E0041}',
        ] {
            assert!(is_format_char(c), "{c:?}");
        }
        for c in ['a', '李', ' ', '\u{3000}', '-'] {
            assert!(!is_format_char(c), "{c:?}");
        }
    }

    #[test]
    fn roles_round_trip_as_snake_case() {
        for role in [Role::Learner, Role::Leader, Role::Admin] {
            let json = serde_json::to_value(role).unwrap();
            assert_eq!(json, role.id());
            assert_eq!(Role::from_id(role.id()), Some(role));
        }
        assert_eq!(Role::from_id("root"), None);
    }

    #[test]
    fn push_request_shape() {
        let body = PushRequest {
            device: "d1".into(),
            events: vec![event("d1", 1)],
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["device"], "d1");
        assert_eq!(json["events"][0]["kind"], "study_time");
        let back: PushRequest = serde_json::from_value(json).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn pull_query_fields_are_optional() {
        let query: PullQuery = serde_json::from_str("{}").unwrap();
        assert_eq!(query, PullQuery::default());
    }

    #[test]
    fn next_batch_takes_the_unacknowledged_in_order() {
        let events = vec![
            event("d1", 3),
            event("d2", 1),
            event("d1", 1),
            event("d1", 2),
        ];
        let batch = next_batch(&events, "d1", 1, 10);
        let seqs: Vec<u64> = batch.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [2, 3]);
        assert_eq!(next_batch(&events, "d1", 0, 1).len(), 1);
    }
}
