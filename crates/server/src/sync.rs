//! Event sync: push a device's events, pull the other devices' events. The
//! rules are those of `qinglian_core::sync`; the store applies them in one
//! transaction.

use crate::auth::{store_error, CurrentUser};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult};
use crate::{now_ms, AppState};
use axum::{extract::State, http::StatusCode, response::IntoResponse, response::Response, Json};
use qinglian_core::events::{self, MAX_ID_BYTES};
use qinglian_core::sync::{
    ConflictError, PullQuery, PushRequest, PushResponse, PULL_DEFAULT_LIMIT, PULL_MAX_LIMIT,
    PUSH_MAX_EVENTS,
};
use serde::Serialize;
use serde_json::value::RawValue;

/// The most events the server keeps for one account; a push past it is
/// refused (422). Years of daily study come to a few thousand.
pub const MAX_EVENTS_PER_USER: u64 = 200_000;

/// `POST /api/v1/sync/push`.
pub async fn push(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<PushRequest>,
) -> ApiResult<Response> {
    if body.events.len() > PUSH_MAX_EVENTS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} events in one push; at most {PUSH_MAX_EVENTS}: send them in batches",
                body.events.len()
            ),
        ));
    }
    if body.device.is_empty()
        || body.device.len() > MAX_ID_BYTES
        || body.device.chars().any(char::is_control)
    {
        return Err(ApiError::unprocessable(format!(
            "device: must be 1 to {MAX_ID_BYTES} bytes without control characters"
        ))
        .with("field", "device"));
    }
    let now = now_ms();
    for (i, event) in body.events.iter().enumerate() {
        if let Err(problem) = events::check(event, now) {
            let field = format!("events[{i}].{}", problem.field);
            return Err(ApiError::unprocessable(format!(
                "{field} (id {:?}): {}",
                event.id, problem.reason
            ))
            .with("field", field));
        }
        if event.device != body.device {
            return Err(ApiError::unprocessable(format!(
                "events[{i}] (id {}) has device {:?}, but the request is for device {:?}",
                event.id, event.device, body.device
            ))
            .with("field", format!("events[{i}].device")));
        }
    }
    let outcome = state
        .store
        .push(
            user.id,
            &body.device,
            &body.events,
            now,
            state.max_events_per_user,
        )
        .await
        .map_err(store_error)?;
    #[cfg(any(debug_assertions, feature = "fault-injection"))]
    if state.fault_abort_after_commit {
        // Fault injection for the crash test: the push is committed, and the
        // process dies before anyone hears of it.
        eprintln!("QINGLIAN_FAULT_ABORT_AFTER_COMMIT: aborting after a committed push");
        std::process::abort();
    }
    // Check-ins are judged now that their events are stored (see `sessions`).
    if body
        .events
        .iter()
        .any(|e| matches!(e.kind, events::EventKind::SessionCheckIn { .. }))
    {
        crate::sessions::judge_after_push(&state, &user).await;
    }
    if outcome.conflicts.is_empty() {
        return Ok(Json(PushResponse {
            acknowledged_seq: outcome.acknowledged_seq,
            stored: outcome.stored,
            duplicates: outcome.duplicates,
        })
        .into_response());
    }
    tracing::warn!(
        user = %user.login,
        device = %crate::auth::log_text(&body.device),
        ids = %crate::auth::log_text(&outcome.conflicts.join(" ")),
        "push conflict: event ids reused with a different payload; not stored"
    );
    let n = outcome.conflicts.len();
    Ok((
        StatusCode::CONFLICT,
        Json(ConflictError {
            error: format!(
                "{n} event id{} already used by a different event; {} not stored, the rest was",
                if n == 1 { " is" } else { "s are" },
                if n == 1 { "it was" } else { "they were" }
            ),
            conflicts: outcome.conflicts,
            acknowledged_seq: outcome.acknowledged_seq,
            stored: outcome.stored,
            duplicates: outcome.duplicates,
        }),
    )
        .into_response())
}

/// One pull page; events go out as the JSON they were stored as.
#[derive(Serialize)]
struct PullPage {
    events: Vec<Box<RawValue>>,
    next_cursor: i64,
    more: bool,
    content_version: Option<String>,
}

/// `GET /api/v1/sync/pull?device=D&cursor=C&limit=L`.
pub async fn pull(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> ApiResult<Response> {
    let cursor = query.cursor.unwrap_or(0);
    if cursor < 0 {
        return Err(ApiError::unprocessable("cursor must be 0 or more"));
    }
    let limit = query.limit.unwrap_or(PULL_DEFAULT_LIMIT);
    if limit == 0 {
        return Err(ApiError::unprocessable("limit must be 1 or more"));
    }
    let limit = limit.min(PULL_MAX_LIMIT);
    let device = query.device.as_deref().filter(|d| !d.is_empty());
    let mut rows = state
        .store
        .pull(user.id, device, cursor, limit + 1)
        .await
        .map_err(store_error)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().map_or(cursor, |row| row.order_id);
    Ok(Json(PullPage {
        events: rows.into_iter().map(|row| row.payload).collect(),
        next_cursor,
        more,
        content_version: state.content.version(),
    })
    .into_response())
}
