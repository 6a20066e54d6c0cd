//! Content publishing: the pack the server hands to apps, replaced by an
//! administrator's upload once it passes the same validation the build uses.
//! Apps compare versions at each sync and fetch the pack when it changed.

use crate::auth::AdminOps;
use crate::error::{parse_json, ApiError, ApiJson, ApiResult};
use crate::store::Store;
use crate::AppState;
use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use qinglian_core::content::Pack;
use qinglian_core::sync::ContentVersion;
use serde_json::json;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The largest pack upload read (bytes).
pub const CONTENT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The pack being served: parsed for reports, and as JSON bytes for apps.
#[derive(Debug)]
pub struct CurrentPack {
    pub pack: Pack,
    pub json: Bytes,
}

impl CurrentPack {
    fn new(pack: Pack) -> CurrentPack {
        let json = Bytes::from(serde_json::to_vec(&pack).expect("a pack serialises"));
        CurrentPack { pack, json }
    }
}

/// The current pack, swapped whole on publication.
#[derive(Debug, Default)]
pub struct ContentState {
    current: RwLock<Option<Arc<CurrentPack>>>,
}

impl ContentState {
    /// The pack served now, if any.
    pub fn current(&self) -> Option<Arc<CurrentPack>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Its version.
    pub fn version(&self) -> Option<String> {
        self.current().map(|c| c.pack.version.clone())
    }

    /// Serves this pack from now on.
    pub fn set(&self, pack: Pack) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) =
            Some(Arc::new(CurrentPack::new(pack)));
    }

    /// At start: the last published pack, else the one built into the app
    /// (`<static>/content/pack.json`), else none.
    pub async fn load(store: &dyn Store, static_dir: &Path) -> Result<ContentState, String> {
        let state = ContentState::default();
        if let Some(stored) = store.published_pack().await.map_err(|e| e.to_string())? {
            match serde_json::from_str::<Pack>(&stored.json) {
                Ok(pack) => {
                    state.set(pack);
                    return Ok(state);
                }
                Err(err) => tracing::warn!(
                    "the published pack {} cannot be read by this build ({err}); serving the built-in one",
                    stored.version
                ),
            }
        }
        let built_in = static_dir.join("content").join("pack.json");
        match std::fs::read(&built_in) {
            Ok(bytes) => match serde_json::from_slice::<Pack>(&bytes) {
                Ok(pack) => state.set(pack),
                Err(err) => tracing::warn!("{} is not a content pack: {err}", built_in.display()),
            },
            Err(_) => tracing::warn!(
                "no content pack: nothing published and no {}",
                built_in.display()
            ),
        }
        Ok(state)
    }
}

fn no_pack() -> ApiError {
    ApiError::not_found("no content pack is published on this server")
}

/// Does `If-None-Match` name this entity tag?
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// `GET /api/v1/content`: the pack with a strong ETag (its version); 304
/// when the app already has it. Public, like the pack inside the app.
pub async fn get_content(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let current = state.content.current().ok_or_else(no_pack)?;
    let etag = format!("\"{}\"", current.pack.version);
    let etag_value = HeaderValue::from_str(&etag)
        .map_err(|_| ApiError::internal("a pack version is not a valid ETag"))?;
    let mut response = if matches_etag(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            current.json.clone(),
        )
            .into_response()
    };
    let out = response.headers_mut();
    out.insert(header::ETAG, etag_value);
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// `GET /api/v1/content/version`.
pub async fn get_version(State(state): State<AppState>) -> ApiResult<Json<ContentVersion>> {
    let version = state.content.version().ok_or_else(no_pack)?;
    Ok(Json(ContentVersion { version }))
}

/// A pack that passed validation, ready to store and serve. To the rest of
/// the server a pack is an opaque JSON document with a version and a
/// summary; only [`validate_pack`] looks inside.
#[derive(Debug)]
pub struct ValidPack {
    pub version: String,
    pub summary: String,
    /// The JSON to store and serve.
    pub json: String,
    /// Parsed, for reports.
    pub pack: Pack,
}

/// Reads and validates a content pack as uploaded (the same rules as the
/// build): 422 with every problem when it is not usable. The one place that
/// knows the pack's format.
pub fn validate_pack(body: &[u8]) -> ApiResult<ValidPack> {
    let pack: Pack = parse_json(body)?;
    let problems: Vec<String> = pack.validate().iter().map(|p| p.to_string()).collect();
    if !problems.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "the content pack has {} problem{}; nothing was published",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ))
        .with("problems", problems));
    }
    Ok(ValidPack {
        version: pack.version.clone(),
        summary: pack.summary(),
        json: serde_json::to_string(&pack).map_err(ApiError::internal)?,
        pack,
    })
}

/// How often a running server looks for a pack published by another
/// process (`qinglian-server admin publish`).
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves what another process publishes: checks the latest publication
/// every [`FOLLOW_EVERY`] and loads it when it changed. Ends when the
/// content state is dropped.
pub fn follow(store: Arc<dyn Store>, content: &Arc<ContentState>) {
    let content = Arc::downgrade(content);
    tokio::spawn(async move {
        let mut seen = store.latest_pack_id().await.ok().flatten();
        let mut every = tokio::time::interval(FOLLOW_EVERY);
        loop {
            every.tick().await;
            let Some(content) = content.upgrade() else {
                return;
            };
            let latest = match store.latest_pack_id().await {
                Ok(latest) => latest,
                Err(err) => {
                    tracing::warn!("cannot look for new content: {err}");
                    continue;
                }
            };
            if latest == seen {
                continue;
            }
            seen = latest;
            match store.published_pack().await {
                Ok(Some(stored)) => match serde_json::from_str::<Pack>(&stored.json) {
                    Ok(pack) if content.version().as_deref() != Some(&pack.version) => {
                        tracing::info!(version = %pack.version, "serving newly published content");
                        content.set(pack);
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!("a published pack cannot be read: {err}"),
                },
                Ok(None) => {}
                Err(err) => tracing::warn!("cannot read the published pack: {err}"),
            }
        }
    });
}

/// `PUT /api/v1/admin/content`: validates and publishes a pack. 422 with
/// every problem when it is not usable.
pub async fn put_content(
    AdminOps(ops): AdminOps,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a JSON body with `Content-Type: application/json`",
        ));
    }
    let published = ops.publish(&body).await?;
    tracing::info!(version = %published.version, by = %ops.actor.name, "content published");
    Ok(Json(published).into_response())
}

/// `GET /api/v1/admin/content/history`.
pub async fn history(
    State(state): State<AppState>,
    AdminOps(ops): AdminOps,
) -> ApiResult<Json<serde_json::Value>> {
    let versions = ops.history().await?;
    Ok(Json(
        json!({ "current": state.content.version(), "versions": versions }),
    ))
}

/// `POST /api/v1/admin/content/rollback` body.
#[derive(serde::Deserialize)]
pub struct RollbackRequest {
    pub version: String,
}

/// `POST /api/v1/admin/content/rollback {version}`.
pub async fn rollback(
    AdminOps(ops): AdminOps,
    ApiJson(body): ApiJson<RollbackRequest>,
) -> ApiResult<Json<crate::ops::Published>> {
    let published = ops.rollback(&body.version).await?;
    tracing::info!(version = %published.version, by = %ops.actor.name, "content rolled back");
    Ok(Json(published))
}
