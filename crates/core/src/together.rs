//! Studying together: group study sessions with an offline check-in, questions
//! to the unit's leaders, anonymous feedback on the leadership (民主测评) and
//! assignments. The JSON bodies of `/api/v1/sessions`, `/questions`,
//! `/feedback` and `/assignments` live here so that the app and the server
//! cannot disagree on a field, and so do the rules both sides apply: the
//! check-in code, the anonymity threshold, what completes an assignment.
//!
//! Every write from the app carries a `client_id` (a UUID drawn when it was
//! queued): the app keeps the request in its outbox until the server answers,
//! and the server treats the same `client_id` from the same account as the
//! same request, so a retry after a lost answer never makes a second one.

use crate::calendar::{self, Day, MS_PER_DAY};
use crate::progress::Progress;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

// ---------------------------------------------------------------------------
// Check-in codes
// ---------------------------------------------------------------------------

/// The code on the convener's phone changes this often (ms).
pub const CHECK_IN_STEP_MS: i64 = 60_000;
/// Digits of a check-in code.
pub const CHECK_IN_DIGITS: usize = 6;
/// Codes count from this long before a session starts (ms) …
pub const CHECK_IN_EARLY_MS: i64 = 30 * 60_000;
/// … until this long after it ends (ms).
pub const CHECK_IN_LATE_MS: i64 = 30 * 60_000;
/// A code is recognised this far around the session (ms), so that a code
/// shown at the wrong time is refused as "too early/late", not as unknown.
pub const CHECK_IN_SEARCH_MS: i64 = 6 * 60 * 60_000;
/// The member's phone must record the check-in within this of the minute the
/// code was shown (ms): a code passed on later does not count.
pub const CHECK_IN_CLOCK_SLACK_MS: i64 = 10 * 60_000;
/// Bytes of a session's secret (shown as hex).
pub const SECRET_BYTES: usize = 32;

/// The minute-step a time falls in.
pub fn check_in_step(at: i64) -> i64 {
    at.div_euclid(CHECK_IN_STEP_MS)
}

/// The code for one step of a session, derived like a one-time password
/// (RFC 6238 with HMAC-SHA-256 and one-minute steps) from the session's
/// secret, given as hex. `None` when the secret is not hex.
pub fn check_in_code(secret_hex: &str, step: i64) -> Option<String> {
    let secret = from_hex(secret_hex)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    Some(format!(
        "{:0width$}",
        value % 10u32.pow(CHECK_IN_DIGITS as u32),
        width = CHECK_IN_DIGITS
    ))
}

/// Milliseconds until the code shown at `now` changes.
pub fn check_in_code_ttl(now: i64) -> i64 {
    CHECK_IN_STEP_MS - now.rem_euclid(CHECK_IN_STEP_MS)
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A code as a member typed it: digits only, spaces and dashes dropped,
/// full-width digits (typed with a Chinese keyboard) read as digits. `None`
/// unless exactly [`CHECK_IN_DIGITS`] digits remain.
pub fn normalise_code(typed: &str) -> Option<String> {
    let mut code = String::new();
    for c in typed.chars() {
        match c {
            '0'..='9' => code.push(c),
            '０'..='９' => code.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            ' ' | '-' | '\u{3000}' => {}
            _ => return None,
        }
    }
    (code.len() == CHECK_IN_DIGITS).then_some(code)
}

/// Why the server did not confirm a check-in. Stored and sent as its id; the
/// app says it in the reader's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInRefusal {
    /// No session with this id that the member belongs to.
    UnknownSession,
    /// The session was cancelled.
    Cancelled,
    /// The code was never shown for this session near its time: mistyped,
    /// or the code of another session.
    WrongCode,
    /// The code was shown, but long before the session.
    TooEarly,
    /// The code was shown, but long after the session.
    TooLate,
    /// The phone recorded the check-in long after (or before) the code was
    /// shown: a code passed on, or a phone clock far off.
    NotWhenShown,
}

impl CheckInRefusal {
    /// The id kept in the database.
    pub fn id(self) -> &'static str {
        match self {
            CheckInRefusal::UnknownSession => "unknown_session",
            CheckInRefusal::Cancelled => "cancelled",
            CheckInRefusal::WrongCode => "wrong_code",
            CheckInRefusal::TooEarly => "too_early",
            CheckInRefusal::TooLate => "too_late",
            CheckInRefusal::NotWhenShown => "not_when_shown",
        }
    }

    /// Reads an id back.
    pub fn from_id(id: &str) -> Option<CheckInRefusal> {
        [
            CheckInRefusal::UnknownSession,
            CheckInRefusal::Cancelled,
            CheckInRefusal::WrongCode,
            CheckInRefusal::TooEarly,
            CheckInRefusal::TooLate,
            CheckInRefusal::NotWhenShown,
        ]
        .into_iter()
        .find(|r| r.id() == id)
    }
}

/// Checks a check-in against the session's secret and time: the code must
/// be one the convener's phone showed between [`CHECK_IN_EARLY_MS`] before
/// `starts_at` and [`CHECK_IN_LATE_MS`] after `ends_at`, and the member's
/// phone must have recorded it (`recorded_at`) within
/// [`CHECK_IN_CLOCK_SLACK_MS`] of that minute. Returns the minute the code
/// was shown (ms).
pub fn verify_check_in(
    secret_hex: &str,
    starts_at: i64,
    ends_at: i64,
    code: &str,
    recorded_at: i64,
) -> Result<i64, CheckInRefusal> {
    let Some(code) = normalise_code(code) else {
        return Err(CheckInRefusal::WrongCode);
    };
    let open = check_in_step(starts_at - CHECK_IN_EARLY_MS);
    let close = check_in_step(ends_at + CHECK_IN_LATE_MS);
    let matches = |step: i64| check_in_code(secret_hex, step).as_deref() == Some(code.as_str());
    // The minute nearest the member's record first: among several matches
    // (one in a million per minute) the honest one wins.
    let recorded = check_in_step(recorded_at).clamp(open, close);
    let mut in_window: Option<i64> = None;
    for distance in 0..=(close - open) {
        for step in [recorded - distance, recorded + distance] {
            if (open..=close).contains(&step) && in_window.is_none() && matches(step) {
                in_window = Some(step);
            }
        }
        if in_window.is_some() {
            break;
        }
    }
    if let Some(step) = in_window {
        let shown_at = step * CHECK_IN_STEP_MS;
        if (recorded_at - shown_at).abs() > CHECK_IN_CLOCK_SLACK_MS + CHECK_IN_STEP_MS {
            return Err(CheckInRefusal::NotWhenShown);
        }
        return Ok(shown_at);
    }
    let search = CHECK_IN_SEARCH_MS / CHECK_IN_STEP_MS;
    if (open - search..open).any(matches) {
        return Err(CheckInRefusal::TooEarly);
    }
    if (close + 1..=close + search).any(matches) {
        return Err(CheckInRefusal::TooLate);
    }
    Err(CheckInRefusal::WrongCode)
}

/// The path a check-in QR code opens: the app's check-in page with the
/// session and the code, so a phone's camera app leads straight into it.
pub fn check_in_path(session: i64, code: &str) -> String {
    format!("/sessions/check-in?session={session}&code={code}")
}

// ---------------------------------------------------------------------------
// Limits shared by the app (to say it before sending) and the server
// ---------------------------------------------------------------------------

/// Longest topic, place or title (characters).
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest question, answer, comment or part of the minutes (characters).
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest anonymous comment (characters).
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Most lessons to prepare, items of an assignment, speakers.
pub const MAX_ITEMS: usize = 30;
/// Statements in a feedback round.
pub const STATEMENTS: std::ops::RangeInclusive<usize> = 1..=10;
/// Ratings are given on this scale.
pub const RATING_SCALE: std::ops::RangeInclusive<u8> = 1..=5;
/// Results of a feedback round are shown only with at least this many
/// answers; with fewer, nothing is shown, so no answer can be told apart.
pub const MIN_FEEDBACK_ANSWERS: u32 = 5;
/// A question without an answer after this many days shows in the unit report.
pub const QUESTION_OPEN_DAYS: i64 = 7;
/// Today reminds of an assignment this many days before it is due.
pub const REMIND_DAYS_BEFORE: i64 = 3;
/// Longest a study session may last (ms).
pub const MAX_SESSION_MS: i64 = 12 * 60 * 60_000;

/// Which field of a request is wrong and why (English, for the API's
/// `error`; the app checks the same rules before queuing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub reason: String,
    /// What kind of problem, for the app to say it in the reader's words.
    pub kind: ProblemKind,
}

/// The kinds of problem a form tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// Required and empty.
    Missing,
    /// Longer than this many characters.
    TooLong { max: usize },
    /// Control or invisible format characters.
    Invisible,
    /// The end is not after the start.
    EndBeforeStart,
    /// Anything else (a date out of range, a list too long, an id).
    Other,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

fn refuse<T>(field: &str, reason: impl Into<String>) -> Result<T, FieldProblem> {
    refuse_as(field, ProblemKind::Other, reason)
}

fn refuse_as<T>(
    field: &str,
    kind: ProblemKind,
    reason: impl Into<String>,
) -> Result<T, FieldProblem> {
    Err(FieldProblem {
        field: field.to_owned(),
        reason: reason.into(),
        kind,
    })
}

/// Text a person reads back to others: trimmed length within `max`
/// characters, not empty unless `optional`, no control characters except
/// line breaks and tabs, no invisible format characters.
pub fn check_text(field: &str, text: &str, max: usize, optional: bool) -> Result<(), FieldProblem> {
    let trimmed = text.trim();
    if trimmed.is_empty() && !optional {
        return refuse_as(field, ProblemKind::Missing, "must not be empty");
    }
    let chars = trimmed.chars().count();
    if chars > max {
        return refuse_as(
            field,
            ProblemKind::TooLong { max },
            format!("is {chars} characters; at most {max}"),
        );
    }
    if trimmed
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || crate::sync::is_format_char(c))
    {
        return refuse_as(
            field,
            ProblemKind::Invisible,
            "contains control or invisible characters",
        );
    }
    Ok(())
}

fn check_client_id(client_id: &str) -> Result<(), FieldProblem> {
    if client_id.is_empty()
        || client_id.len() > crate::events::MAX_ID_BYTES
        || !client_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return refuse("client_id", "must be a UUID");
    }
    Ok(())
}

fn check_ids(field: &str, ids: &[String]) -> Result<(), FieldProblem> {
    if ids.len() > MAX_ITEMS {
        return refuse(field, format!("at most {MAX_ITEMS}"));
    }
    for (i, id) in ids.iter().enumerate() {
        if id.is_empty()
            || id.len() > crate::events::MAX_ID_BYTES
            || id.chars().any(char::is_control)
        {
            return refuse(&format!("{field}[{i}]"), "is not an id");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The units a leader addresses
// ---------------------------------------------------------------------------

/// Someone in a unit, for a leader choosing a convener or writing who spoke.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitMember {
    pub id: i64,
    pub name: String,
    pub role: crate::sync::Role,
}

/// A unit a leader leads (`GET /api/v1/units/led`): their own and every one
/// below it; for administrators, every unit in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedUnit {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    /// The caller's own unit (a leader may not open a feedback round on it).
    pub own: bool,
    /// Its own accounts (not those of the units below), enabled ones only.
    pub members: Vec<UnitMember>,
}

// ---------------------------------------------------------------------------
// Group study sessions
// ---------------------------------------------------------------------------

/// The forms a unit's collective study takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// 集体学习: a unit's regular group study.
    GroupStudy,
    /// 党组（党委）理论学习中心组学习: the leading group's study.
    CentreGroup,
    /// 廉政党课: an integrity lecture given by a leader.
    IntegrityLecture,
}

/// `POST /api/v1/sessions` (leaders of the unit or a unit above it, admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStudySession {
    pub client_id: String,
    pub unit_id: i64,
    pub kind: SessionKind,
    pub topic: String,
    /// Lessons to read before the session (content ids).
    #[serde(default)]
    pub lessons: Vec<String>,
    /// A scenario to play before the session.
    #[serde(default)]
    pub scenario: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    /// Who runs it and shows the check-in code; the scheduling leader when absent.
    #[serde(default)]
    pub convener_id: Option<i64>,
}

impl NewStudySession {
    /// The rules both sides check; `now` is the checking clock (ms).
    pub fn check(&self, now: i64) -> Result<(), FieldProblem> {
        check_client_id(&self.client_id)?;
        check_text("topic", &self.topic, MAX_TITLE_CHARS, false)?;
        check_text("place", &self.place, MAX_TITLE_CHARS, false)?;
        check_ids("lessons", &self.lessons)?;
        if let Some(scenario) = &self.scenario {
            check_ids("scenario", std::slice::from_ref(scenario))?;
        }
        if self.ends_at <= self.starts_at {
            return refuse_as(
                "ends_at",
                ProblemKind::EndBeforeStart,
                "must be after the start",
            );
        }
        if self.ends_at - self.starts_at > MAX_SESSION_MS {
            return refuse("ends_at", "a session lasts at most 12 hours");
        }
        if self.ends_at < now - MS_PER_DAY {
            return refuse("starts_at", "is in the past");
        }
        if self.starts_at > now + 366 * MS_PER_DAY {
            return refuse("starts_at", "is more than a year ahead");
        }
        Ok(())
    }
}

/// A member's check-in as the server judged it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CheckInState {
    Confirmed {
        /// The minute the code was shown.
        shown_at: i64,
    },
    Refused {
        reason: CheckInRefusal,
    },
}

/// One member's check-in, for the member (their own) and the convener:
/// `{"event_id", "state": "confirmed", "shown_at"}` or `{"event_id",
/// "state": "refused", "reason"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CheckInWire", into = "CheckInWire")]
pub struct CheckIn {
    /// The `SessionCheckIn` event it judged.
    pub event_id: String,
    pub state: CheckInState,
}

// The JSON forms below are read through plain structs rather than serde's
// `flatten` and internally tagged enums: the same JSON, but much less code in
// the wasm app, which reads them all.

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CheckInStateId {
    Confirmed,
    Refused,
}

#[derive(Serialize, Deserialize)]
struct CheckInWire {
    event_id: String,
    state: CheckInStateId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shown_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<CheckInRefusal>,
}

impl TryFrom<CheckInWire> for CheckIn {
    type Error = &'static str;

    fn try_from(wire: CheckInWire) -> Result<CheckIn, &'static str> {
        let state = match (wire.state, wire.shown_at, wire.reason) {
            (CheckInStateId::Confirmed, Some(shown_at), _) => CheckInState::Confirmed { shown_at },
            (CheckInStateId::Refused, _, Some(reason)) => CheckInState::Refused { reason },
            (CheckInStateId::Confirmed, None, _) => {
                return Err("a confirmed check-in needs shown_at")
            }
            (CheckInStateId::Refused, _, None) => return Err("a refused check-in needs a reason"),
        };
        Ok(CheckIn {
            event_id: wire.event_id,
            state,
        })
    }
}

impl From<CheckIn> for CheckInWire {
    fn from(check_in: CheckIn) -> CheckInWire {
        let (state, shown_at, reason) = match check_in.state {
            CheckInState::Confirmed { shown_at } => {
                (CheckInStateId::Confirmed, Some(shown_at), None)
            }
            CheckInState::Refused { reason } => (CheckInStateId::Refused, None, Some(reason)),
        };
        CheckInWire {
            event_id: check_in.event_id,
            state,
            shown_at,
            reason,
        }
    }
}

/// Someone expected at a session, for the convener and the unit's leaders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub user_id: i64,
    pub name: String,
    /// Their latest check-in, if any.
    pub check_in: Option<CheckIn>,
    /// Read every lesson to prepare before the session started.
    pub prepared: bool,
}

/// The record of a session, written by the convener afterwards.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMinutes {
    /// Points discussed.
    pub points: String,
    /// Decisions taken.
    pub decisions: String,
    /// Who spoke (names as written by the convener).
    #[serde(default)]
    pub speakers: Vec<String>,
    /// The summary published to the unit.
    pub summary: String,
}

impl SessionMinutes {
    pub fn check(&self) -> Result<(), FieldProblem> {
        check_text("points", &self.points, MAX_TEXT_CHARS, false)?;
        check_text("decisions", &self.decisions, MAX_TEXT_CHARS, true)?;
        check_text("summary", &self.summary, MAX_TEXT_CHARS, false)?;
        if self.speakers.len() > MAX_ITEMS * 4 {
            return refuse("speakers", format!("at most {}", MAX_ITEMS * 4));
        }
        for (i, name) in self.speakers.iter().enumerate() {
            check_text(&format!("speakers[{i}]"), name, MAX_TITLE_CHARS, false)?;
        }
        Ok(())
    }
}

/// `PUT /api/v1/sessions/{id}/minutes` (the convener, the scheduling
/// leader): the fields of [`SessionMinutes`] and `publish`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "MinutesWire", into = "MinutesWire")]
pub struct MinutesRequest {
    pub minutes: SessionMinutes,
    /// Publish the summary to the unit now (it cannot be unpublished).
    pub publish: bool,
}

#[derive(Serialize, Deserialize)]
struct MinutesWire {
    points: String,
    decisions: String,
    #[serde(default)]
    speakers: Vec<String>,
    summary: String,
    publish: bool,
}

impl From<MinutesWire> for MinutesRequest {
    fn from(wire: MinutesWire) -> MinutesRequest {
        MinutesRequest {
            minutes: SessionMinutes {
                points: wire.points,
                decisions: wire.decisions,
                speakers: wire.speakers,
                summary: wire.summary,
            },
            publish: wire.publish,
        }
    }
}

impl From<MinutesRequest> for MinutesWire {
    fn from(request: MinutesRequest) -> MinutesWire {
        let SessionMinutes {
            points,
            decisions,
            speakers,
            summary,
        } = request.minutes;
        MinutesWire {
            points,
            decisions,
            speakers,
            summary,
            publish: request.publish,
        }
    }
}

/// A study session as one person sees it (`GET /api/v1/sessions`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudySession {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: SessionKind,
    pub topic: String,
    pub lessons: Vec<String>,
    pub scenario: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub convener_id: i64,
    pub convener_name: String,
    pub scheduled_by: i64,
    pub cancelled_at: Option<i64>,
    /// The published summary, for everyone expected.
    pub summary: Option<String>,
    pub summary_published_at: Option<i64>,
    /// The full minutes, for the convener and leaders only.
    pub minutes: Option<SessionMinutes>,
    /// The check-in secret (hex): only for the convener and the leader who
    /// scheduled it, never for members.
    pub secret: Option<String>,
    /// The asking member's own check-in, as judged.
    pub my_check_in: Option<CheckIn>,
    /// For the convener and leaders: who is expected, checked in, prepared.
    pub attendees: Option<Vec<Attendee>>,
}

// ---------------------------------------------------------------------------
// Ask a leader
// ---------------------------------------------------------------------------

/// `POST /api/v1/questions`: a member's question to their unit's leaders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewQuestion {
    pub client_id: String,
    pub text: String,
    /// Let the leaders see who asked (never shown when published).
    pub show_name: bool,
}

impl NewQuestion {
    pub fn check(&self) -> Result<(), FieldProblem> {
        check_client_id(&self.client_id)?;
        check_text("text", &self.text, MAX_TEXT_CHARS, false)
    }
}

/// `POST /api/v1/questions/{id}/answer` (leaders of the asker's unit or above).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerRequest {
    pub text: String,
    /// Publish the question and answer to the unit as a FAQ entry.
    pub publish: bool,
}

impl AnswerRequest {
    pub fn check(&self) -> Result<(), FieldProblem> {
        check_text("text", &self.text, MAX_TEXT_CHARS, false)
    }
}

/// `POST /api/v1/questions/{id}/publish`: publish or withdraw a FAQ entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishRequest {
    pub publish: bool,
}

/// A question as one person sees it (`GET /api/v1/questions`): the asker's
/// own, a leader's inbox, the unit's published FAQ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub text: String,
    pub asked_at: i64,
    /// Asked by the person reading.
    pub mine: bool,
    /// The asker's name: to the asker, and to leaders when the asker chose so;
    /// never in a published entry.
    pub asker_name: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    pub answered_by: Option<String>,
    pub published_at: Option<i64>,
}

/// `GET /api/v1/questions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionsView {
    /// The reader's own questions, newest first.
    pub mine: Vec<Question>,
    /// For leaders: questions from their unit and the units below, open first.
    pub inbox: Vec<Question>,
    /// Published entries for the reader's unit (and the units above it).
    pub faq: Vec<Question>,
}

// ---------------------------------------------------------------------------
// Anonymous feedback on the leadership
// ---------------------------------------------------------------------------

/// One statement rated 1–5, in both editions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "zh-Hans")]
    pub zh_hans: String,
    pub en: String,
}

impl Statement {
    /// The statement in the reader's language.
    pub fn text(&self, lang: crate::settings::Lang) -> &str {
        match lang {
            crate::settings::Lang::ZhHans => &self.zh_hans,
            crate::settings::Lang::En => &self.en,
        }
    }
}

/// The statements a new round starts with: the essay's points on leading by
/// example, answering questions and deciding collectively.
pub fn default_statements() -> Vec<Statement> {
    [
        (
            "领导班子成员带头学习，要求干部职工学的自己先学",
            "Our leaders study what they ask us to study",
        ),
        (
            "领导对干部职工提出的问题及时回应、认真答复",
            "Leaders answer our questions promptly and seriously",
        ),
        (
            "重大事项坚持集体研究决定，不搞个人说了算",
            "Important matters are decided collectively, not by one person",
        ),
        (
            "领导班子成员严守廉洁纪律，以身作则",
            "Our leaders keep the integrity rules themselves and set the example",
        ),
        (
            "廉政教育联系本单位实际，不搞形式主义",
            "Integrity education here deals with our real work, not with formalities",
        ),
    ]
    .into_iter()
    .map(|(zh, en)| Statement {
        zh_hans: zh.to_owned(),
        en: en.to_owned(),
    })
    .collect()
}

/// `POST /api/v1/feedback/rounds` (administrators, or leaders of a unit above
/// the one rated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFeedbackRound {
    pub client_id: String,
    pub unit_id: i64,
    pub statements: Vec<Statement>,
    pub closes_at: i64,
}

impl NewFeedbackRound {
    pub fn check(&self, now: i64) -> Result<(), FieldProblem> {
        check_client_id(&self.client_id)?;
        if !STATEMENTS.contains(&self.statements.len()) {
            return refuse(
                "statements",
                format!("{} to {} statements", STATEMENTS.start(), STATEMENTS.end()),
            );
        }
        for (i, s) in self.statements.iter().enumerate() {
            check_text(
                &format!("statements[{i}].zh-Hans"),
                &s.zh_hans,
                MAX_TITLE_CHARS,
                false,
            )?;
            check_text(
                &format!("statements[{i}].en"),
                &s.en,
                MAX_TITLE_CHARS,
                false,
            )?;
        }
        if self.closes_at <= now {
            return refuse("closes_at", "must be in the future");
        }
        if self.closes_at > now + 92 * MS_PER_DAY {
            return refuse("closes_at", "a round stays open at most 92 days");
        }
        Ok(())
    }
}

/// `POST /api/v1/feedback/rounds/{id}/answers`: one member's ratings, once.
/// The server keeps who answered apart from the answers, and the answers
/// without any account, device or time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackAnswer {
    pub client_id: String,
    /// One rating per statement, in order, on [`RATING_SCALE`].
    pub ratings: Vec<u8>,
    #[serde(default)]
    pub comment: Option<String>,
}

impl FeedbackAnswer {
    /// Checks against the round's number of statements.
    pub fn check(&self, statements: usize) -> Result<(), FieldProblem> {
        check_client_id(&self.client_id)?;
        if self.ratings.len() != statements {
            return refuse(
                "ratings",
                format!("{} ratings for {statements} statements", self.ratings.len()),
            );
        }
        if let Some(i) = self.ratings.iter().position(|r| !RATING_SCALE.contains(r)) {
            return refuse(&format!("ratings[{i}]"), "must be 1 to 5");
        }
        if let Some(comment) = &self.comment {
            check_text("comment", comment, MAX_COMMENT_CHARS, true)?;
        }
        Ok(())
    }
}

/// A feedback round as one person sees it (`GET /api/v1/feedback/rounds`).
/// Nobody sees how many have answered before the close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRound {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub statements: Vec<Statement>,
    pub opened_at: i64,
    pub closes_at: i64,
    /// The reader is a member of the unit who may answer.
    pub may_answer: bool,
    /// The reader has answered.
    pub answered: bool,
    /// The reader may see the results once the round has closed.
    pub may_see_results: bool,
}

impl FeedbackRound {
    pub fn closed(&self, now: i64) -> bool {
        now >= self.closes_at
    }
}

/// One statement's results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementResult {
    /// The mean rating × 100, rounded (e.g. 420 for 4.2).
    pub mean_hundredths: u32,
    /// How many gave 1, 2, 3, 4, 5.
    pub distribution: [u32; 5],
}

/// `GET /api/v1/feedback/rounds/{id}/results`, once the round has closed:
/// `{"status": "too_few"}` or `{"status": "shown", "answers", "statements",
/// "comments"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ResultsWire", into = "ResultsWire")]
pub enum FeedbackResults {
    /// Fewer than [`MIN_FEEDBACK_ANSWERS`] answered: nothing else is said,
    /// not even how many.
    TooFew,
    Shown {
        answers: u32,
        statements: Vec<StatementResult>,
        /// The comments, in random order.
        comments: Vec<String>,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ResultsStatus {
    TooFew,
    Shown,
}

#[derive(Serialize, Deserialize)]
struct ResultsWire {
    status: ResultsStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    statements: Option<Vec<StatementResult>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comments: Option<Vec<String>>,
}

impl TryFrom<ResultsWire> for FeedbackResults {
    type Error = &'static str;

    fn try_from(wire: ResultsWire) -> Result<FeedbackResults, &'static str> {
        match wire.status {
            ResultsStatus::TooFew => Ok(FeedbackResults::TooFew),
            ResultsStatus::Shown => Ok(FeedbackResults::Shown {
                answers: wire.answers.ok_or("shown results need answers")?,
                statements: wire.statements.ok_or("shown results need statements")?,
                comments: wire.comments.unwrap_or_default(),
            }),
        }
    }
}

impl From<FeedbackResults> for ResultsWire {
    fn from(results: FeedbackResults) -> ResultsWire {
        match results {
            FeedbackResults::TooFew => ResultsWire {
                status: ResultsStatus::TooFew,
                answers: None,
                statements: None,
                comments: None,
            },
            FeedbackResults::Shown {
                answers,
                statements,
                comments,
            } => ResultsWire {
                status: ResultsStatus::Shown,
                answers: Some(answers),
                statements: Some(statements),
                comments: Some(comments),
            },
        }
    }
}

/// Tallies a closed round's answers (ratings per answer, comments already
/// shuffled by the caller). Below [`MIN_FEEDBACK_ANSWERS`] it says only
/// [`FeedbackResults::TooFew`].
pub fn tally(statements: usize, ratings: &[Vec<u8>], comments: Vec<String>) -> FeedbackResults {
    if (ratings.len() as u64) < u64::from(MIN_FEEDBACK_ANSWERS) {
        return FeedbackResults::TooFew;
    }
    let statements = (0..statements)
        .map(|i| {
            let mut distribution = [0u32; 5];
            let mut sum = 0u64;
            let mut count = 0u64;
            for answer in ratings {
                if let Some(&r) = answer.get(i).filter(|r| RATING_SCALE.contains(r)) {
                    distribution[usize::from(r - 1)] += 1;
                    sum += u64::from(r);
                    count += 1;
                }
            }
            StatementResult {
                mean_hundredths: (sum * 100 + count / 2).checked_div(count).unwrap_or(0) as u32,
                distribution,
            }
        })
        .collect();
    FeedbackResults::Shown {
        answers: ratings.len() as u32,
        statements,
        comments: comments
            .into_iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Assignments
// ---------------------------------------------------------------------------

/// Something a leader assigns; done when the member's own events show it.
/// JSON: `{"kind": "lesson", "id"}`, `{"kind": "scenario", "id"}`,
/// `{"kind": "risk_check", "checklist"}`, `{"kind": "pledge", "version"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ItemWire", into = "ItemWire")]
pub enum AssignedItem {
    /// Read the lesson (marked done).
    Lesson { id: String },
    /// Play the scenario to its end.
    Scenario { id: String },
    /// Complete the risk self-check of a post.
    RiskCheck { checklist: String },
    /// Acknowledge the integrity pledge of this version (or a later one).
    Pledge { version: u32 },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ItemKind {
    Lesson,
    Scenario,
    RiskCheck,
    Pledge,
}

#[derive(Serialize, Deserialize)]
struct ItemWire {
    kind: ItemKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checklist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
}

impl TryFrom<ItemWire> for AssignedItem {
    type Error = &'static str;

    fn try_from(wire: ItemWire) -> Result<AssignedItem, &'static str> {
        Ok(match wire.kind {
            ItemKind::Lesson => AssignedItem::Lesson {
                id: wire.id.ok_or("a lesson needs its id")?,
            },
            ItemKind::Scenario => AssignedItem::Scenario {
                id: wire.id.ok_or("a scenario needs its id")?,
            },
            ItemKind::RiskCheck => AssignedItem::RiskCheck {
                checklist: wire.checklist.ok_or("a risk check needs its checklist")?,
            },
            ItemKind::Pledge => AssignedItem::Pledge {
                version: wire.version.ok_or("the pledge needs its version")?,
            },
        })
    }
}

impl From<AssignedItem> for ItemWire {
    fn from(item: AssignedItem) -> ItemWire {
        let blank = |kind| ItemWire {
            kind,
            id: None,
            checklist: None,
            version: None,
        };
        match item {
            AssignedItem::Lesson { id } => ItemWire {
                id: Some(id),
                ..blank(ItemKind::Lesson)
            },
            AssignedItem::Scenario { id } => ItemWire {
                id: Some(id),
                ..blank(ItemKind::Scenario)
            },
            AssignedItem::RiskCheck { checklist } => ItemWire {
                checklist: Some(checklist),
                ..blank(ItemKind::RiskCheck)
            },
            AssignedItem::Pledge { version } => ItemWire {
                version: Some(version),
                ..blank(ItemKind::Pledge)
            },
        }
    }
}

impl AssignedItem {
    /// Done by the learner's own record, whenever it was done.
    pub fn done(&self, progress: &Progress) -> bool {
        match self {
            AssignedItem::Lesson { id } => progress.lessons_done.contains_key(id),
            AssignedItem::Scenario { id } => progress.scenarios.contains_key(id),
            AssignedItem::RiskCheck { checklist } => progress
                .risk
                .get(checklist)
                .is_some_and(|r| r.completed_at.is_some()),
            AssignedItem::Pledge { version } => progress.pledges.range(version..).next().is_some(),
        }
    }
}

/// `POST /api/v1/assignments` (leaders of the unit or a unit above, admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAssignment {
    pub client_id: String,
    pub unit_id: i64,
    pub items: Vec<AssignedItem>,
    /// The last moment it counts as on time (ms): the end of the due day in
    /// the leader's time zone.
    pub due_at: i64,
    /// Why, or what to look for (optional).
    #[serde(default)]
    pub note: String,
}

impl NewAssignment {
    pub fn check(&self, now: i64) -> Result<(), FieldProblem> {
        check_client_id(&self.client_id)?;
        if self.items.is_empty() || self.items.len() > MAX_ITEMS {
            return refuse("items", format!("1 to {MAX_ITEMS} items"));
        }
        for (i, item) in self.items.iter().enumerate() {
            let id = match item {
                AssignedItem::Lesson { id } | AssignedItem::Scenario { id } => id,
                AssignedItem::RiskCheck { checklist } => checklist,
                AssignedItem::Pledge { .. } => continue,
            };
            check_ids(&format!("items[{i}]"), std::slice::from_ref(id))?;
        }
        check_text("note", &self.note, MAX_TEXT_CHARS, true)?;
        if self.due_at < now - MS_PER_DAY {
            return refuse("due_at", "is in the past");
        }
        if self.due_at > now + 366 * MS_PER_DAY {
            return refuse("due_at", "is more than a year ahead");
        }
        Ok(())
    }
}

/// An assignment as a member or leader sees it (`GET /api/v1/assignments`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub items: Vec<AssignedItem>,
    pub due_at: i64,
    pub note: String,
    pub assigned_by: String,
    pub assigned_at: i64,
    pub cancelled_at: Option<i64>,
    /// For leaders: members expected and members done (from their synced events).
    pub members: Option<u32>,
    pub done: Option<u32>,
}

/// Where a member stands with an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignmentState {
    Done,
    /// Due in this many local days (0: today).
    Open {
        days_left: i64,
    },
    Overdue,
}

impl Assignment {
    /// The member's state by their own progress, at `now` on a device
    /// `offset_minutes` east of UTC.
    pub fn state(&self, progress: &Progress, now: i64, offset_minutes: i32) -> AssignmentState {
        if self.items.iter().all(|item| item.done(progress)) {
            return AssignmentState::Done;
        }
        if now > self.due_at {
            return AssignmentState::Overdue;
        }
        let today: Day = calendar::day_of(now, offset_minutes);
        let due: Day = calendar::day_of(self.due_at, offset_minutes);
        AssignmentState::Open {
            days_left: i64::from(due - today),
        }
    }

    /// Today reminds of it: open and due within [`REMIND_DAYS_BEFORE`] days, or overdue.
    pub fn needs_reminder(&self, progress: &Progress, now: i64, offset_minutes: i32) -> bool {
        match self.state(progress, now, offset_minutes) {
            AssignmentState::Done => false,
            AssignmentState::Overdue => true,
            AssignmentState::Open { days_left } => days_left <= REMIND_DAYS_BEFORE,
        }
    }
}

/// The end of a local day (ms UTC): the due time of an assignment due that day.
pub fn end_of_day(day: Day, offset_minutes: i32) -> i64 {
    (i64::from(day) + 1) * MS_PER_DAY - i64::from(offset_minutes) * 60_000 - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Event, EventKind};

    const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const START: i64 = 1_790_000_000_000;
    const END: i64 = START + 90 * 60_000;

    #[test]
    fn codes_are_six_digits_and_change_each_minute() {
        let a = check_in_code(SECRET, check_in_step(START)).unwrap();
        let b = check_in_code(SECRET, check_in_step(START) + 1).unwrap();
        assert_eq!(a.len(), CHECK_IN_DIGITS);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
        assert_eq!(check_in_code("zz", 1), None);
        assert_eq!(check_in_code("", 1), None);
    }

    #[test]
    fn rfc_6238_sha256_vector() {
        // RFC 6238 appendix B, SHA-256, T = 59 s with 30 s steps → step 1,
        // 8 digits 46119246; our 6 digits are the last six of the same value.
        let secret: String = b"12345678901234567890123456789012"
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(check_in_code(&secret, 1).unwrap(), "119246");
    }

    #[test]
    fn a_code_shown_during_the_session_is_confirmed() {
        let at = START + 10 * 60_000 + 5_000;
        let code = check_in_code(SECRET, check_in_step(at)).unwrap();
        let shown = verify_check_in(SECRET, START, END, &code, at + 20_000).unwrap();
        assert_eq!(shown, check_in_step(at) * CHECK_IN_STEP_MS);
        // Typed with spaces or full-width digits, the same.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(verify_check_in(SECRET, START, END, &spaced, at).is_ok());
    }

    #[test]
    fn refusals_say_why() {
        let at = START + 60_000;
        let code = check_in_code(SECRET, check_in_step(at)).unwrap();
        let other = SECRET.replace("00", "01");
        assert_eq!(
            verify_check_in(&other, START, END, &code, at),
            Err(CheckInRefusal::WrongCode)
        );
        let early = START - 2 * 60 * 60_000;
        let code = check_in_code(SECRET, check_in_step(early)).unwrap();
        assert_eq!(
            verify_check_in(SECRET, START, END, &code, early),
            Err(CheckInRefusal::TooEarly)
        );
        let late = END + 3 * 60 * 60_000;
        let code = check_in_code(SECRET, check_in_step(late)).unwrap();
        assert_eq!(
            verify_check_in(SECRET, START, END, &code, late),
            Err(CheckInRefusal::TooLate)
        );
        let code = check_in_code(SECRET, check_in_step(at)).unwrap();
        assert_eq!(
            verify_check_in(SECRET, START, END, &code, at + 45 * 60_000),
            Err(CheckInRefusal::NotWhenShown)
        );
        assert_eq!(
            verify_check_in(SECRET, START, END, "12ab56", at),
            Err(CheckInRefusal::WrongCode)
        );
    }

    #[test]
    fn the_json_forms_are_the_documented_ones() {
        use serde_json::json;
        let confirmed = CheckIn {
            event_id: "e1".into(),
            state: CheckInState::Confirmed { shown_at: 60_000 },
        };
        let value = serde_json::to_value(&confirmed).unwrap();
        assert_eq!(
            value,
            json!({"event_id": "e1", "state": "confirmed", "shown_at": 60_000})
        );
        assert_eq!(serde_json::from_value::<CheckIn>(value).unwrap(), confirmed);
        let refused = json!({"event_id": "e2", "state": "refused", "reason": "too_late"});
        let back: CheckIn = serde_json::from_value(refused.clone()).unwrap();
        assert_eq!(
            back.state,
            CheckInState::Refused {
                reason: CheckInRefusal::TooLate
            }
        );
        assert_eq!(serde_json::to_value(&back).unwrap(), refused);
        assert!(
            serde_json::from_value::<CheckIn>(json!({"event_id": "e", "state": "refused"}))
                .is_err()
        );

        for (item, value) in [
            (
                AssignedItem::Lesson { id: "l1".into() },
                json!({"kind": "lesson", "id": "l1"}),
            ),
            (
                AssignedItem::Scenario { id: "s1".into() },
                json!({"kind": "scenario", "id": "s1"}),
            ),
            (
                AssignedItem::RiskCheck {
                    checklist: "c".into(),
                },
                json!({"kind": "risk_check", "checklist": "c"}),
            ),
            (
                AssignedItem::Pledge { version: 2 },
                json!({"kind": "pledge", "version": 2}),
            ),
        ] {
            assert_eq!(serde_json::to_value(&item).unwrap(), value);
            assert_eq!(serde_json::from_value::<AssignedItem>(value).unwrap(), item);
        }
        assert!(serde_json::from_value::<AssignedItem>(json!({"kind": "lesson"})).is_err());

        let minutes = MinutesRequest {
            minutes: SessionMinutes {
                points: "p".into(),
                decisions: "d".into(),
                speakers: vec!["王".into()],
                summary: "s".into(),
            },
            publish: true,
        };
        let value = serde_json::to_value(&minutes).unwrap();
        assert_eq!(
            value,
            json!({"points": "p", "decisions": "d", "speakers": ["王"], "summary": "s", "publish": true})
        );
        assert_eq!(
            serde_json::from_value::<MinutesRequest>(value).unwrap(),
            minutes
        );

        let shown = tally(1, &vec![vec![5u8]; 5], vec!["c".into()]);
        let value = serde_json::to_value(&shown).unwrap();
        assert_eq!(value["status"], "shown");
        assert_eq!(value["answers"], 5);
        assert_eq!(
            serde_json::from_value::<FeedbackResults>(value).unwrap(),
            shown
        );
        assert!(serde_json::from_value::<FeedbackResults>(json!({"status": "shown"})).is_err());
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise_code(" 123-456 ").as_deref(), Some("123456"));
        assert_eq!(normalise_code("１２３４５６").as_deref(), Some("123456"));
        assert_eq!(normalise_code("12345"), None);
        assert_eq!(normalise_code("1234567"), None);
        assert_eq!(normalise_code("12345a"), None);
    }

    #[test]
    fn refusal_ids_round_trip() {
        for r in [
            CheckInRefusal::UnknownSession,
            CheckInRefusal::Cancelled,
            CheckInRefusal::WrongCode,
            CheckInRefusal::TooEarly,
            CheckInRefusal::TooLate,
            CheckInRefusal::NotWhenShown,
        ] {
            assert_eq!(CheckInRefusal::from_id(r.id()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.id());
        }
    }

    #[test]
    fn fewer_than_five_answers_show_nothing() {
        let four = vec![vec![5u8, 4]; 4];
        assert_eq!(
            tally(2, &four, vec!["good".into()]),
            FeedbackResults::TooFew
        );
        let json = serde_json::to_value(tally(2, &four, vec![])).unwrap();
        assert_eq!(json, serde_json::json!({"status": "too_few"}));
        let five = vec![vec![5, 1], vec![4, 1], vec![4, 2], vec![3, 1], vec![5, 1]];
        match tally(2, &five, vec![" a ".into(), "".into()]) {
            FeedbackResults::Shown {
                answers,
                statements,
                comments,
            } => {
                assert_eq!(answers, 5);
                assert_eq!(statements[0].mean_hundredths, 420);
                assert_eq!(statements[0].distribution, [0, 0, 1, 2, 2]);
                assert_eq!(statements[1].mean_hundredths, 120);
                assert_eq!(comments, ["a"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn answers_are_checked_against_the_round() {
        let answer = FeedbackAnswer {
            client_id: "c1".into(),
            ratings: vec![1, 5, 3],
            comment: None,
        };
        assert!(answer.check(3).is_ok());
        assert_eq!(answer.check(2).unwrap_err().field, "ratings");
        let zero = FeedbackAnswer {
            ratings: vec![0, 5, 3],
            ..answer
        };
        assert_eq!(zero.check(3).unwrap_err().field, "ratings[0]");
    }

    #[test]
    fn default_statements_exist_in_both_languages() {
        let statements = default_statements();
        assert!(STATEMENTS.contains(&statements.len()));
        for s in &statements {
            assert!(!s.zh_hans.is_empty() && !s.en.is_empty());
            assert!(!s.zh_hans.is_ascii());
        }
    }

    fn event(seq: u64, kind: EventKind) -> Event {
        Event {
            id: format!("e{seq}"),
            device: "d".into(),
            seq,
            at: START + seq as i64,
            kind,
        }
    }

    #[test]
    fn assignments_are_done_by_the_learners_own_events() {
        let assignment = Assignment {
            id: 1,
            unit_id: 1,
            unit_name: "u".into(),
            items: vec![
                AssignedItem::Lesson { id: "l1".into() },
                AssignedItem::Scenario { id: "s1".into() },
                AssignedItem::RiskCheck {
                    checklist: "c1".into(),
                },
                AssignedItem::Pledge { version: 2 },
            ],
            due_at: end_of_day(calendar::day_of(START, 480) + 5, 480),
            note: String::new(),
            assigned_by: "x".into(),
            assigned_at: START,
            cancelled_at: None,
            members: None,
            done: None,
        };
        let mut events = vec![event(
            1,
            EventKind::LessonDone {
                lesson: "l1".into(),
            },
        )];
        let p = crate::progress::fold(&events, 480);
        assert_eq!(
            assignment.state(&p, START, 480),
            AssignmentState::Open { days_left: 5 }
        );
        assert!(!assignment.needs_reminder(&p, START, 480));
        assert!(assignment.needs_reminder(&p, START + 2 * MS_PER_DAY, 480));
        assert_eq!(
            assignment.state(&p, assignment.due_at + 1, 480),
            AssignmentState::Overdue
        );
        events.push(event(
            2,
            EventKind::ScenarioFinished {
                scenario: "s1".into(),
                choices: vec![],
                sound: 0,
                total: 0,
            },
        ));
        events.push(event(
            3,
            EventKind::RiskCheckCompleted {
                checklist: "c1".into(),
            },
        ));
        events.push(event(4, EventKind::PledgeAcknowledged { version: 1 }));
        let p = crate::progress::fold(&events, 480);
        assert_ne!(assignment.state(&p, START, 480), AssignmentState::Done);
        events.push(event(5, EventKind::PledgeAcknowledged { version: 3 }));
        let p = crate::progress::fold(&events, 480);
        assert_eq!(assignment.state(&p, START, 480), AssignmentState::Done);
        assert_eq!(
            assignment.state(&p, assignment.due_at + 1, 480),
            AssignmentState::Done
        );
    }

    #[test]
    fn check_ins_earn_attendance_credits_beyond_the_cap() {
        let events = vec![
            event(
                1,
                EventKind::SessionCheckIn {
                    session: 7,
                    code: "123456".into(),
                },
            ),
            event(
                2,
                EventKind::SessionCheckIn {
                    session: 7,
                    code: "654321".into(),
                },
            ),
        ];
        let p = crate::progress::fold(&events, 480);
        assert_eq!(p.sessions_attended.len(), 1);
        let day = calendar::day_of(START, 480);
        assert_eq!(p.credits_by_day[&day], crate::progress::ATTENDANCE_CREDITS);
        let mut voided = events.clone();
        voided.push(event(
            3,
            EventKind::Void {
                target: "e1".into(),
            },
        ));
        voided.push(event(
            4,
            EventKind::Void {
                target: "e2".into(),
            },
        ));
        let p = crate::progress::fold(&voided, 480);
        assert!(p.sessions_attended.is_empty());
        assert!(!p.credits_by_day.contains_key(&day));
    }

    #[test]
    fn new_sessions_are_checked() {
        let mut s = NewStudySession {
            client_id: "5f0c-1".into(),
            unit_id: 1,
            kind: SessionKind::GroupStudy,
            topic: "学习《条例》".into(),
            lessons: vec!["l1".into()],
            scenario: None,
            starts_at: START,
            ends_at: END,
            place: "三楼会议室".into(),
            convener_id: None,
        };
        assert!(s.check(START - MS_PER_DAY).is_ok());
        s.ends_at = START;
        assert_eq!(s.check(START).unwrap_err().field, "ends_at");
        s.ends_at = END;
        s.topic = "  ".into();
        assert_eq!(s.check(START).unwrap_err().field, "topic");
        s.topic = "a\u{202E}b".into();
        assert_eq!(s.check(START).unwrap_err().field, "topic");
    }

    #[test]
    fn end_of_day_is_the_last_millisecond_of_the_local_day() {
        let day = calendar::day_of(START, 480);
        let end = end_of_day(day, 480);
        assert_eq!(calendar::day_of(end, 480), day);
        assert_eq!(calendar::day_of(end + 1, 480), day + 1);
    }
}
