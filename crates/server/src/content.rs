//! Content publishing: the content the server hands to apps (both language
//! editions together), replaced by an administrator's upload once it passes
//! the same validation the build uses. Apps compare versions at each sync and
//! fetch the editions when they changed.

use crate::auth::{store_error, CurrentUser};
use crate::error::{parse_json, ApiError, ApiResult};
use crate::store::{Store, StoredPack};
use crate::{now_ms, AppState};
use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use qinglian_core::content::{Editions, Pack};
use qinglian_core::settings::Lang;
use qinglian_core::sync::{ContentVersion, Role};
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

    fn set(&self, editions: Editions) {
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

/// `PUT /api/v1/admin/content`: validates and publishes the editions (both
/// languages together, as `cargo xtask content --export` and the build make
/// them). 422 with every problem when they are not usable.
pub async fn put_content(
    State(state): State<AppState>,
    caller: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let admin = caller.require(&[Role::Admin])?;
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
    // The version is derived from the content: computed here, whatever the
    // upload says, so a publisher never has to hash anything.
    let uploaded: Editions = parse_json(&body)?;
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
    let stored = StoredPack {
        version: editions.version.clone(),
        json: serde_json::to_string(&editions).map_err(ApiError::internal)?,
    };
    state
        .store
        .publish_pack(&stored, Some(admin.id), now_ms())
        .await
        .map_err(store_error)?;
    tracing::info!(version = %editions.version, by = %admin.login, "content published");
    let summary = editions.summary();
    state.content.set(editions);
    Ok(Json(json!({ "version": stored.version, "summary": summary })).into_response())
}
