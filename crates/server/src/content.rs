//! Content publishing: the content the server hands to apps (both language
//! editions together), replaced by an administrator's upload once it passes
//! the same validation the build uses. Apps compare versions at each sync and
//! fetch the editions when they changed.

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
use qinglian_core::content::{Editions, Pack};
use qinglian_core::settings::Lang;
use qinglian_core::sync::ContentVersion;
use serde_json::json;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The largest pack upload read (bytes).
pub const CONTENT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The content being served: the editions as JSON bytes for apps, and the
/// primary edition parsed for reports (ids, tracks and the pledge are the
/// same in every edition).
#[derive(Debug)]
pub struct CurrentPack {
    pub pack: Pack,
    pub editions: Editions,
    pub json: Bytes,
}

impl CurrentPack {
    fn new(editions: Editions) -> Option<CurrentPack> {
        let pack = editions.packs.first()?.clone();
        let json = Bytes::from(serde_json::to_vec(&editions).expect("editions serialise"));
        Some(CurrentPack {
            pack,
            editions,
            json,
        })
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
        self.current().map(|c| c.editions.version.clone())
    }

    /// Serves these editions from now on.
    pub fn set(&self, editions: Editions) {
        if let Some(current) = CurrentPack::new(editions) {
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(current));
        }
    }

    /// At start: the last published editions, else the ones built into the
    /// app (`<static>/content/pack.<lang>.json`), else none.
    pub async fn load(store: &dyn Store, static_dir: &Path) -> Result<ContentState, String> {
        let state = ContentState::default();
        if let Some(stored) = store.published_pack().await.map_err(|e| e.to_string())? {
            match serde_json::from_str::<Editions>(&stored.json) {
                Ok(editions) => {
                    state.set(editions);
                    return Ok(state);
                }
                Err(err) => tracing::warn!(
                    "the published pack {} cannot be read by this build ({err}); serving the built-in one",
                    stored.version
                ),
            }
        }
        match built_in_editions(static_dir) {
            Ok(editions) => state.set(editions),
            Err(reason) => tracing::warn!("no content: nothing published, and {reason}"),
        }
        Ok(state)
    }
}

/// The editions of the static build, one `content/pack.<lang>.json` each.
fn built_in_editions(static_dir: &Path) -> Result<Editions, String> {
    let mut packs = Vec::new();
    for lang in Lang::EDITIONS {
        let file = static_dir
            .join("content")
            .join(format!("pack.{}.json", lang.tag()));
        let bytes = std::fs::read(&file)
            .map_err(|err| format!("{} cannot be read ({err})", file.display()))?;
        let pack: Pack = serde_json::from_slice(&bytes)
            .map_err(|err| format!("{} is not a content pack ({err})", file.display()))?;
        packs.push(pack);
    }
    let version = packs[0].version.clone();
    Ok(Editions { version, packs })
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
    let etag = format!("\"{}\"", current.editions.version);
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

/// Content that passed validation, ready to store and serve. To the rest of
/// the server it is an opaque JSON document with a version and a summary;
/// only [`validate_pack`] looks inside.
#[derive(Debug)]
pub struct ValidPack {
    pub version: String,
    pub summary: String,
    /// The JSON to store and serve.
    pub json: String,
    /// Parsed: both editions (the primary one feeds the reports).
    pub pack: Editions,
}

/// Reads and validates content as uploaded: both language editions together
/// (`{"packs": [<zh-Hans>, <en>]}`, the files `cargo xtask content --export`
/// writes), checked by the same rules as the build, each edition alone and
/// against the other. The version is derived from the content here,
/// whatever the upload says, so a publisher never hashes anything. 422 with
/// every problem when it is not usable. The one place that knows the format.
pub fn validate_pack(body: &[u8]) -> ApiResult<ValidPack> {
    let uploaded: Editions = parse_json(body)?;
    let editions = Editions::seal(uploaded.packs);
    let problems: Vec<String> = editions.validate().iter().map(|p| p.to_string()).collect();
    if !problems.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "the content has {} problem{}; nothing was published",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ))
        .with("problems", problems));
    }
    Ok(ValidPack {
        version: editions.version.clone(),
        summary: editions.summary(),
        json: serde_json::to_string(&editions).map_err(ApiError::internal)?,
        pack: editions,
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
                Ok(Some(stored)) => match serde_json::from_str::<Editions>(&stored.json) {
                    Ok(editions) if content.version().as_deref() != Some(&editions.version) => {
                        tracing::info!(version = %editions.version, "serving newly published content");
                        content.set(editions);
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

/// `PUT /api/v1/admin/content`: validates and publishes both editions
/// together. 422 with every problem when they are not usable.
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
