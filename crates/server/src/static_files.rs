//! Serving the built app: the right caching for each kind of file, security
//! headers on every answer, and the app's index.html for client-side routes.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
use qinglian_core::app_parts::{self, AppPart, BUREAU_PATHS};
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

/// The built files; any path that is not a file gets index.html, so a reload on
/// `/lesson/x` opens the app on that route. A file is sent compressed as the
/// build left it next to the original (`x.br`, brotli at its highest level;
/// `x.gz`, gzip 9) when the browser accepts it: nothing is compressed per
/// request, and brotli 11 is smaller than any on-the-fly setting.
pub fn service(static_dir: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true)
        .fallback(
            ServeFile::new(static_dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        )
}

/// The bureau part of the app's pages (`qinglian_core::app_parts`) get its
/// own HTML, bureau.html, which starts that part; every other page gets
/// index.html from [`service`]. A build without bureau.html (one part only)
/// leaves every page to index.html.
pub fn with_bureau_pages<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    static_dir: &Path,
) -> axum::Router<S> {
    let html = static_dir.join(AppPart::Bureau.html_file());
    if !html.is_file() {
        return router;
    }
    let page = ServeFile::new(html).precompressed_br().precompressed_gzip();
    BUREAU_PATHS.iter().fold(router, |router, path| {
        router
            .route_service(path, page.clone())
            .route_service(&format!("{path}/{{*below}}"), page.clone())
    })
}

/// A first visit's page load gets the welcome part (`welcome.html`, see
/// `qinglian_core::app_parts::welcome_first`) until the app has set its
/// started cookie; every answer that depended on the cookie says so
/// (`Vary: Cookie`). A build without welcome.html leaves pages as they were.
pub fn with_welcome_first<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    static_dir: &Path,
) -> axum::Router<S> {
    let html = static_dir.join(app_parts::WELCOME_HTML);
    if !html.is_file() {
        return router;
    }
    let page = ServeFile::new(html).precompressed_br().precompressed_gzip();
    router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let page = page.clone();
            async move {
                let path = request.uri().path();
                let study_page =
                    request.method() == axum::http::Method::GET && app_parts::study_page(path);
                let cookies = request
                    .headers()
                    .get(header::COOKIE)
                    .and_then(|value| value.to_str().ok());
                let welcome = study_page && !app_parts::started(cookies);
                let mut response = if welcome {
                    use tower::ServiceExt;
                    match page.oneshot(request).await {
                        Ok(response) => response.map(axum::body::Body::new),
                        Err(never) => match never {},
                    }
                } else {
                    next.run(request).await
                };
                if study_page {
                    response
                        .headers_mut()
                        .append(header::VARY, HeaderValue::from_static("cookie"));
                }
                response
            }
        },
    ))
}

/// The content security policy: only our own files, wasm compilation allowed,
/// no inline script but those of the build's pages named by their hash
/// ([`content_security_policy`]), never framed.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The policy for a build: [`CONTENT_SECURITY_POLICY`] with the hash of each
/// inline script of its pages (`index.html`'s painting of Today's picture),
/// read from the files it serves, so that exactly those run and nothing
/// injected does. A build without pages (the API alone) gets the plain one.
pub fn content_security_policy(static_dir: &Path) -> String {
    let mut hashes = Vec::new();
    for page in [
        "index.html",
        app_parts::WELCOME_HTML,
        AppPart::Bureau.html_file(),
    ] {
        if let Ok(html) = std::fs::read_to_string(static_dir.join(page)) {
            hashes.extend(inline_scripts(&html).map(script_hash));
        }
    }
    hashes.sort();
    hashes.dedup();
    let allowed: String = hashes.iter().map(|h| format!(" '{h}'")).collect();
    CONTENT_SECURITY_POLICY.replacen(
        "script-src 'self' 'wasm-unsafe-eval'",
        &format!("script-src 'self' 'wasm-unsafe-eval'{allowed}"),
        1,
    )
}

/// The text of each `<script>` without attributes (an inline script; the
/// build's own scripts all have a `src` or a `type`).
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</script>").map(|(text, _)| text))
}

/// A CSP source for a script's text: `sha256-` and its digest in base64.
fn script_hash(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// How long a browser may keep a file without asking again.
#[derive(Debug, PartialEq, Eq)]
pub enum Caching {
    /// Names that change with their content (trunk's hashed build output).
    Immutable,
    /// Everything whose name stays the same across releases: always revalidate.
    Revalidate,
    /// API answers: never stored.
    NoStore,
}

impl Caching {
    pub fn for_path(path: &str) -> Caching {
        if path.starts_with("/api/") || path == "/api" {
            return Caching::NoStore;
        }
        let file = path.rsplit('/').next().unwrap_or_default();
        if is_hashed_asset(file) {
            Caching::Immutable
        } else {
            Caching::Revalidate
        }
    }

    fn header(&self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Caching::Immutable => "public, max-age=31536000, immutable",
            Caching::Revalidate => "no-cache",
            Caching::NoStore => "no-store",
        })
    }
}

/// Trunk names build output `name-<hex hash>.ext` (and `name-<hash>_bg.wasm`);
/// the hash has 15 or 16 hex digits.
fn is_hashed_asset(file: &str) -> bool {
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return false;
    };
    if !matches!(ext, "js" | "wasm" | "css") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => hash.len() >= 12 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        None => false,
    }
}

/// Adds caching and security headers to every response, with the build's
/// content security policy ([`content_security_policy`]).
pub async fn cache_and_security_headers(
    policy: HeaderValue,
    request: Request,
    next: Next,
) -> Response {
    let caching = Caching::for_path(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let immutable_but_missing = caching == Caching::Immutable
        && headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|ct| ct.as_bytes().starts_with(b"text/html"));
    // A hashed name that fell back to index.html must not be cached for a year.
    let caching = if immutable_but_missing {
        Caching::Revalidate
    } else {
        caching
    };
    // An API answer that chose its own caching (the content pack's
    // `no-cache` with an ETag) keeps it; everything else gets the rule.
    if !(caching == Caching::NoStore && headers.contains_key(header::CACHE_CONTROL)) {
        headers.insert(header::CACHE_CONTROL, caching.header());
    }
    // The app's files come in the encoding the browser accepts (the build's
    // compressed copies): a shared cache must keep them apart.
    if caching != Caching::NoStore && !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_of_the_pages_are_allowed_by_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<html><head><script type=\"module\" src=\"/boot.js\"></script></head>\
             <body><script>alert(1)</script></body></html>",
        )
        .unwrap();
        let policy = content_security_policy(dir.path());
        // sha256 of `alert(1)`, worked out apart from this code.
        assert!(
            policy.contains(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=';"
            ),
            "{policy}"
        );
        // The same script in a second page is named once; a page without
        // any inline script adds nothing.
        std::fs::write(dir.path().join("welcome.html"), "<script>alert(1)</script>").unwrap();
        assert_eq!(content_security_policy(dir.path()), policy);
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            content_security_policy(empty.path()),
            CONTENT_SECURITY_POLICY
        );
        assert!(HeaderValue::from_str(&policy).is_ok());
    }

    #[test]
    fn the_apps_own_page_has_one_inline_script() {
        // index.html at the top of the repository is what the build copies:
        // its one inline script paints Today's picture.
        let html = include_str!("../../../index.html");
        assert_eq!(inline_scripts(html).count(), 1);
        let script = inline_scripts(html).next().unwrap();
        // It checks what the app's rules check (qinglian_core::today_picture).
        use qinglian_core::today_picture as rule;
        assert!(script.contains(&format!("localStorage.getItem(\"{}\")", rule::KEY)));
        assert!(script.contains(&format!("p.form !== {}", rule::FORM)));
        for key in rule::DRAWN_FROM {
            assert!(
                script.contains(&format!("\"{key}\"")),
                "{key} is not stamped"
            );
        }
    }

    #[test]
    fn hashed_assets_are_immutable() {
        assert_eq!(
            Caching::for_path("/qinglian-3f2a9c0d1e4b5a6f_bg.wasm"),
            Caching::Immutable
        );
        assert_eq!(
            Caching::for_path("/qinglian-3f2a9c0d1e4b5a6.js"),
            Caching::Immutable
        );
        assert_eq!(
            Caching::for_path("/style-0123456789abcdef.css"),
            Caching::Immutable
        );
    }

    #[test]
    fn stable_names_revalidate() {
        for path in [
            "/",
            "/index.html",
            "/sw.js",
            "/manifest.webmanifest",
            "/icons/icon-192.png",
            "/content/pack.zh-Hans.json",
            "/lesson/a-b",
        ] {
            assert_eq!(Caching::for_path(path), Caching::Revalidate, "{path}");
        }
        assert_eq!(Caching::for_path("/boot-cafe.js"), Caching::Revalidate);
    }

    #[test]
    fn api_is_never_stored() {
        assert_eq!(Caching::for_path("/api/health"), Caching::NoStore);
    }
}
