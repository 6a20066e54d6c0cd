//! The server's static side, booted for real on port 0 with its own directories.

use qinglian_server::Config;
use std::path::Path;

struct TestServer {
    base: String,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

const WASM: &str = "qinglian-0123456789abcdef_bg.wasm";

async fn boot() -> TestServer {
    boot_with_parts(true, false).await
}

/// A build of the study part, with the bureau part or not (as a build from
/// before the parts were split), and with the first visit's welcome part or
/// not (as a build from before it was split off).
async fn boot_with_parts(bureau_part: bool, welcome_part: bool) -> TestServer {
    let dist = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &[u8]| {
        let path = dist.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    };
    write(
        "index.html",
        b"<!DOCTYPE html><html><head><title>Qinglian</title></head><body></body></html>",
    );
    if bureau_part {
        write(
            "bureau.html",
            b"<!DOCTYPE html><html><head><title>Qinglian</title></head><body data-part=\"bureau\"></body></html>",
        );
    }
    if welcome_part {
        write(
            "welcome.html",
            b"<!DOCTYPE html><html><head><title>Qinglian</title></head><body data-part=\"welcome\"></body></html>",
        );
    }
    // Large enough to be worth compressing; the build leaves compressed
    // copies next to it (stand-ins here, told apart by their bytes).
    write(WASM, &b"\0asm\x01\0\0\0".repeat(512));
    write(&format!("{WASM}.br"), b"brotli bytes");
    write(&format!("{WASM}.gz"), b"gzip bytes");
    write(
        "qinglian-0123456789abcdef.js",
        "export default function init() {}\n".repeat(64).as_bytes(),
    );
    write("sw.js", b"self.addEventListener('install', () => {});");
    write("manifest.webmanifest", br#"{"name":"Qinglian","icons":[]}"#);
    write("icons/icon-192.png", b"\x89PNG\r\n\x1a\n");
    let config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        data.path().to_owned(),
        dist.path().to_owned(),
    );
    let addr = qinglian_server::spawn(config).await.unwrap();
    TestServer {
        base: format!("http://{addr}"),
        _dirs: (dist, data),
    }
}

fn client() -> reqwest::Client {
    // Raw bodies and headers: no automatic decompression.
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn health_reports_the_version() {
    let server = boot().await;
    let response = client()
        .get(format!("{}/api/health", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s_not_the_app() {
    let server = boot().await;
    let response = client()
        .get(format!("{}/api/nope", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(header(&response, "content-type").starts_with("application/json"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("/api/nope"));
}

#[tokio::test]
async fn client_routes_get_the_app_shell_uncached() {
    let server = boot().await;
    for path in ["/", "/lesson/st-gifts", "/progress", "/no/such/page"] {
        let response = client()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            header(&response, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("<title>Qinglian</title>"));
    }
}

/// The page at `path`: its status, cache-control and whether it is the
/// bureau part's HTML.
async fn page(server: &TestServer, path: &str) -> (u16, String, bool) {
    let response = client()
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let caching = header(&response, "cache-control").to_owned();
    let body = response.text().await.unwrap();
    assert!(body.contains("<title>Qinglian</title>"), "{path}: {body}");
    (status, caching, body.contains("data-part=\"bureau\""))
}

#[tokio::test]
async fn the_bureau_parts_pages_get_its_own_html_and_the_rest_index_html() {
    let server = boot().await;
    for path in [
        "/sessions",
        "/sessions/42",
        "/sessions/check-in?code=ABCD",
        "/ask",
        "/feedback",
        "/assignments",
        "/unit",
        "/admin",
    ] {
        assert_eq!(
            page(&server, path).await,
            (200, "no-cache".to_owned(), true),
            "{path}"
        );
    }
    for path in ["/", "/library", "/join", "/admins", "/lesson/admin"] {
        assert_eq!(
            page(&server, path).await,
            (200, "no-cache".to_owned(), false),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_build_of_the_study_part_only_answers_every_page_with_index_html() {
    let server = boot_with_parts(false, false).await;
    for path in ["/admin", "/sessions/42", "/library"] {
        assert_eq!(
            page(&server, path).await,
            (200, "no-cache".to_owned(), false),
            "{path}"
        );
    }
}

/// The part of the app that answers a GET of `path` sent with `cookie`, and
/// the answer's Vary header.
async fn part_with_cookie(
    server: &TestServer,
    path: &str,
    cookie: Option<&str>,
) -> (&'static str, String) {
    let mut request = client().get(format!("{}{path}", server.base));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
    assert!(header(&response, "content-security-policy").contains("default-src 'self'"));
    let vary = header(&response, "vary").to_owned();
    let body = response.text().await.unwrap();
    let part = if body.contains("data-part=\"welcome\"") {
        "welcome"
    } else if body.contains("data-part=\"bureau\"") {
        "bureau"
    } else {
        "study"
    };
    (part, vary)
}

#[tokio::test]
async fn a_first_visit_gets_the_welcome_part_until_the_started_cookie_is_set() {
    let server = boot_with_parts(true, true).await;
    for path in ["/", "/library", "/lesson/st-gifts", "/join?code=1"] {
        let (part, vary) = part_with_cookie(&server, path, None).await;
        assert_eq!(part, "welcome", "{path}");
        assert!(vary.contains("cookie"), "{path}: {vary}");
        let (part, vary) =
            part_with_cookie(&server, path, Some("theme=x; qinglian-started=1")).await;
        assert_eq!(part, "study", "{path}");
        assert!(vary.contains("cookie"), "{path}: {vary}");
    }
    // The bureau part has its own welcome; files are files.
    assert_eq!(part_with_cookie(&server, "/admin", None).await.0, "bureau");
    assert_eq!(
        part_with_cookie(&server, "/index.html", None).await.0,
        "study"
    );
    let worker = client()
        .get(format!("{}/sw.js", server.base))
        .send()
        .await
        .unwrap();
    assert!(worker.text().await.unwrap().contains("addEventListener"));
    let health = client()
        .get(format!("{}/api/health", server.base))
        .send()
        .await
        .unwrap();
    assert!(header(&health, "content-type").starts_with("application/json"));
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_typed() {
    let server = boot().await;
    let response = client()
        .get(format!("{}/{WASM}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/wasm");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let js = client()
        .get(format!("{}/qinglian-0123456789abcdef.js", server.base))
        .send()
        .await
        .unwrap();
    assert!(header(&js, "content-type").contains("javascript"));
}

#[tokio::test]
async fn worker_and_manifest_always_revalidate() {
    let server = boot().await;
    let sw = client()
        .get(format!("{}/sw.js", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&sw, "cache-control"), "no-cache");
    assert!(header(&sw, "content-type").contains("javascript"));
    let manifest = client()
        .get(format!("{}/manifest.webmanifest", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&manifest, "cache-control"), "no-cache");
    assert_eq!(
        header(&manifest, "content-type"),
        "application/manifest+json"
    );
}

#[tokio::test]
async fn the_builds_compressed_files_are_sent_when_accepted() {
    let server = boot().await;
    for (accept, encoding, body) in [
        ("gzip, deflate, br", "br", "brotli bytes"),
        ("br", "br", "brotli bytes"),
        ("gzip", "gzip", "gzip bytes"),
    ] {
        let response = client()
            .get(format!("{}/{WASM}", server.base))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(header(&response, "content-encoding"), encoding, "{accept}");
        assert_eq!(header(&response, "content-type"), "application/wasm");
        assert!(header(&response, "vary")
            .to_ascii_lowercase()
            .contains("accept-encoding"));
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.text().await.unwrap(), body, "{accept}");
    }
    let plain = client()
        .get(format!("{}/{WASM}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.bytes().await.unwrap().len(), 8 * 512);
}

#[tokio::test]
async fn files_without_a_compressed_copy_are_not_compressed_per_request() {
    let server = boot().await;
    let response = client()
        .get(format!("{}/qinglian-0123456789abcdef.js", server.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "content-encoding"), "");
    // API answers are still compressed as they go.
    let api = client()
        .get(format!(
            "{}/api/v1/no-such-endpoint-with-a-long-enough-name-to-compress",
            server.base
        ))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&api, "content-encoding"), "gzip");
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let server = boot().await;
    for path in ["/", "/api/health", "/sw.js"] {
        let response = client()
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let csp = header(&response, "content-security-policy");
        assert!(csp.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert!(!header(&response, "referrer-policy").is_empty());
    }
}

#[test]
fn start_fails_clearly_without_a_build() {
    let data = tempfile::tempdir().unwrap();
    let config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        data.path().to_owned(),
        Path::new("/nonexistent-build").to_owned(),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let err = runtime
        .block_on(qinglian_server::serve(config))
        .unwrap_err();
    assert!(err.to_string().contains("cargo xtask dist"), "{err}");
}
