//! Building the release app and server, serving them, and trunk's post-build
//! hook (content pack, boot script, service worker precache list).

use crate::{cargo, run_in, step, tools, Result};
use qinglian_core::app_parts::{AppPart, BUREAU_PATHS, WELCOME_HTML};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `cargo xtask run` listens unless told otherwise.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Release build of the app into dist/ and of the server binary.
pub fn dist(root: &Path) -> Result<()> {
    let path = tools::ensure_build_tools(root)?;
    build_app(root, &path)?;
    precompress(&root.join("dist"))?;
    build_server(root)
}

/// File types worth compressing (the images are compressed already).
const COMPRESSIBLE: &[&str] = &["html", "js", "wasm", "css", "json", "svg", "webmanifest"];

/// Writes `x.br` (brotli, quality 11) and `x.gz` (gzip 9) next to every
/// compressible file of the build, when smaller: the server sends them to
/// browsers that accept them, so nothing is compressed per request and the
/// slowest, smallest settings cost nothing at run time.
pub fn precompress(dist: &Path) -> Result<()> {
    step("Compressing the build (brotli 11, gzip 9)");
    let mut files = Vec::new();
    crate::bench::collect(dist, dist, &mut files)?;
    let (mut raw, mut br, mut written) = (0u64, 0u64, 0usize);
    for name in files {
        let ext = name.rsplit('.').next().unwrap_or_default();
        // sw.js stays as it is: it is small, browsers fetch it on every
        // update check, and a worker changed after the build (a hotfix, the
        // update test) must never be shadowed by an older compressed copy.
        if !COMPRESSIBLE.contains(&ext) || name == "sw.js" {
            continue;
        }
        let path = dist.join(&name);
        let bytes = std::fs::read(&path).map_err(|err| format!("cannot read {name}: {err}"))?;
        for (suffix, packed) in [("br", brotli_11(&bytes)), ("gz", gzip_9(&bytes))] {
            let target = dist.join(format!("{name}.{suffix}"));
            if packed.len() < bytes.len() {
                std::fs::write(&target, &packed)
                    .map_err(|err| format!("cannot write {}: {err}", target.display()))?;
                if suffix == "br" {
                    raw += bytes.len() as u64;
                    br += packed.len() as u64;
                    written += 1;
                }
            }
        }
    }
    println!(
        "{written} files: {:.1} KB → {:.1} KB brotli",
        raw as f64 / 1024.0,
        br as f64 / 1024.0
    );
    Ok(())
}

/// Brotli at its highest quality with a 16 MiB window (what browsers accept).
pub fn brotli_11(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        size_hint: bytes.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("in memory");
    out
}

/// Gzip at its highest level.
pub fn gzip_9(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

/// The wasm app with trunk, size-first: the bureau part and the welcome
/// part first (into target/, see `BUREAU_DIST` and `WELCOME_DIST`), then the
/// study part into dist/, whose post-build hook takes the other parts' files
/// in before it lists what the service worker precaches. Cargo's release
/// profile stays tuned for the server; the wasm build gets its settings from
/// the environment.
pub fn build_app(root: &Path, path: &str) -> Result<()> {
    step("Fetching crates (trunk builds offline)");
    run_in(root, cargo().arg("fetch"))?;
    let bureau_dist = root.join(BUREAU_DIST);
    step("Building the app's bureau part (trunk, release, wasm-opt)");
    run_in(
        root,
        trunk_release(path, AppPart::Bureau.html_file())
            .args(["--html-output", AppPart::Bureau.html_file()])
            .arg("--dist")
            .arg(&bureau_dist)
            .env(PART_VARIABLE, "bureau"),
    )?;
    let welcome_dist = root.join(WELCOME_DIST);
    step("Building the app's welcome part (trunk, release, wasm-opt)");
    run_in(
        root,
        trunk_release(path, WELCOME_HTML)
            .args(["--html-output", WELCOME_HTML])
            .arg("--dist")
            .arg(&welcome_dist)
            .env(PART_VARIABLE, "welcome"),
    )?;
    step("Building the app's study part (trunk, release, wasm-opt)");
    run_in(
        root,
        trunk_release(path, AppPart::Study.html_file())
            .env(BUREAU_DIST_VARIABLE, &bureau_dist)
            .env(WELCOME_DIST_VARIABLE, &welcome_dist),
    )
}

/// Where the bureau part is built before the study part's build takes it in.
const BUREAU_DIST: &str = "target/bureau-dist";
/// Where the welcome part is built, the same way.
const WELCOME_DIST: &str = "target/welcome-dist";
/// Tells the post-build hook which part trunk is building.
const PART_VARIABLE: &str = "QINGLIAN_BUILD_PART";
/// Tell the study part's post-build hook where the other parts were built.
const BUREAU_DIST_VARIABLE: &str = "QINGLIAN_BUREAU_DIST";
const WELCOME_DIST_VARIABLE: &str = "QINGLIAN_WELCOME_DIST";

/// `trunk build <html_file> --release` with the size-first wasm settings.
fn trunk_release(path: &str, html_file: &str) -> Command {
    let mut command = Command::new("trunk");
    command
        .args(["build", html_file, "--release"])
        .env("PATH", path)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort");
    command
}

pub fn build_server(root: &Path) -> Result<()> {
    step("Building qinglian-server (release)");
    run_in(
        root,
        cargo().args(["build", "--release", "--package", "qinglian-server"]),
    )
}

pub fn server_binary(root: &Path) -> PathBuf {
    root.join("target/release/qinglian-server")
}

/// Builds everything, then serves the app until Ctrl-C.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let addr = match args {
        [] => DEFAULT_ADDR.to_owned(),
        [flag, addr] if flag == "--addr" => addr.clone(),
        _ => return Err("usage: cargo xtask run [--addr HOST:PORT]".to_owned()),
    };
    dist(root)?;
    step(&format!(
        "Starting qinglian-server: open http://{addr}/ (Ctrl-C stops it)"
    ));
    run_in(
        root,
        Command::new(server_binary(root))
            .args(["--addr", &addr, "--data", "./data", "--static", "dist"]),
    )
}

/// Phone screenshots of the Chinese edition, taken from the real release
/// build by `tests/screenshots.mjs` (Chromium at 360 px, a zh-CN phone).
pub fn screenshots(root: &Path) -> Result<()> {
    dist(root)?;
    tools::ensure_node_packages(root)?;
    tools::ensure_chromium()?;
    tools::ensure_cjk_font()?;
    step("Taking the screenshots");
    run_in(
        root,
        Command::new("node")
            .arg("tests/screenshots.mjs")
            .env("QINGLIAN_SERVER", server_binary(root))
            .env("QINGLIAN_DIST", root.join("dist"))
            .env("CHROMIUM", tools::CHROMIUM),
    )
}

/// Trunk's post_build hook: runs on the staging directory, before trunk moves
/// it to dist/. Generated files are written there, never into dist/. For the
/// bureau part it only moves the boot script out; for the study part it also
/// writes the content packs, takes in the bureau part's files and writes the
/// service worker, which precaches both.
pub fn post_build(root: &Path) -> Result<()> {
    let staging = std::env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or("post-build runs as trunk's hook: TRUNK_STAGING_DIR is not set")?;
    match std::env::var(PART_VARIABLE).as_deref() {
        Ok("bureau") => return externalise_boot_script(&staging, AppPart::Bureau.html_file()),
        Ok("welcome") => return externalise_boot_script(&staging, WELCOME_HTML),
        _ => {}
    }
    write_content_pack(root, &staging)?;
    externalise_boot_script(&staging, AppPart::Study.html_file())?;
    if let Some(bureau_dist) = std::env::var_os(BUREAU_DIST_VARIABLE) {
        take_in_part(
            Path::new(&bureau_dist),
            AppPart::Bureau.html_file(),
            &staging,
        )?;
    }
    // The welcome part's own files are not precached: once the service
    // worker is there, it answers every study page with index.html.
    let welcome_only = match std::env::var_os(WELCOME_DIST_VARIABLE) {
        Some(welcome_dist) => take_in_part(Path::new(&welcome_dist), WELCOME_HTML, &staging)?,
        None => Vec::new(),
    };
    write_service_worker(root, &staging, &welcome_only)?;
    Ok(())
}

/// Copies another part's build (the one `html_file` starts) into the study
/// part's staging directory; returns the URLs of the files it added. The
/// parts use the same style sheet and snippets under the same hashed names;
/// a name both have must hold the same bytes, or the parts disagree.
fn take_in_part(part_dist: &Path, html_file: &str, staging: &Path) -> Result<Vec<String>> {
    if !part_dist.join(html_file).is_file() {
        return Err(format!(
            "no {html_file} at {}: that part is built first",
            part_dist.display()
        ));
    }
    let mut files = Vec::new();
    list_files(part_dist, part_dist, &mut files)?;
    let mut added = Vec::new();
    for (url, bytes) in files {
        let target = staging.join(url.trim_start_matches('/'));
        match std::fs::read(&target) {
            Ok(existing) if existing == bytes => continue,
            Ok(_) => {
                return Err(format!(
                    "{url} differs between the study part and {html_file}'s"
                ))
            }
            Err(_) => {}
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
        }
        write(&target, &bytes)?;
        added.push(url);
    }
    Ok(added)
}

/// Validates content/ and prints what each edition holds; fails with every
/// problem found. `--export DIR` also writes each edition's compiled pack as
/// `DIR/pack.<lang>.json` (for reviewers, translators and publishing).
pub fn content_check(root: &Path, args: &[String]) -> Result<()> {
    let export = match args {
        [] => None,
        [flag, dir] if flag == "--export" => Some(PathBuf::from(dir)),
        _ => return Err("usage: cargo xtask content [--export DIR]".to_owned()),
    };
    let editions = compile_content(root)?;
    println!("content version {}", editions.version);
    println!("{}", editions.summary());
    if let Some(dir) = export {
        std::fs::create_dir_all(&dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        for path in write_editions(&editions, &dir)? {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// The file each edition is served and exported as.
pub fn pack_file_name(lang: qinglian_core::settings::Lang) -> String {
    format!("pack.{}.json", lang.tag())
}

/// Is `name` (a path in the build, without the leading slash) content the
/// study part opens with, the primary edition's outline and whole pack?
pub fn opened_with_primary_content(name: &str) -> bool {
    let primary = qinglian_core::settings::Lang::ZhHans;
    name.strip_prefix("content/")
        .is_some_and(|file| file == pack_file_name(primary) || file == outline_file_name(primary))
}

/// The file each edition's outline (`Pack::outline`) is served as.
pub fn outline_file_name(lang: qinglian_core::settings::Lang) -> String {
    format!("outline.{}.json", lang.tag())
}

fn write_editions(editions: &qinglian_core::content::Editions, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for pack in &editions.packs {
        let json =
            serde_json::to_string(pack).map_err(|err| format!("cannot write the pack: {err}"))?;
        let path = dir.join(pack_file_name(pack.lang));
        write(&path, json.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// The content sources: `content/`, or the directory in `QINGLIAN_CONTENT`
/// (tests build small packs from fixtures).
fn content_dir(root: &Path) -> PathBuf {
    std::env::var_os("QINGLIAN_CONTENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("content"))
}

fn compile_content(root: &Path) -> Result<qinglian_core::content::Editions> {
    qinglian_core::authoring::compile_editions(&content_dir(root)).map_err(|errors| {
        let mut text = format!("content/ has {} problem(s):", errors.len());
        for error in errors {
            let shown = error.to_string();
            let shown = shown
                .strip_prefix(&format!("{}/", root.display()))
                .unwrap_or(&shown);
            text.push_str(&format!("\n  {shown}"));
        }
        text
    })
}

fn write_content_pack(root: &Path, staging: &Path) -> Result<()> {
    let editions = compile_content(root)?;
    let dir = staging.join("content");
    std::fs::create_dir_all(&dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    write_editions(&editions, &dir)?;
    // Each edition's outline too, which the app reads first (Today is drawn
    // from it while the whole edition is read).
    for pack in &editions.packs {
        let json = serde_json::to_string(&pack.outline())
            .map_err(|err| format!("cannot write the outline: {err}"))?;
        write(&dir.join(outline_file_name(pack.lang)), json.as_bytes())?;
    }
    println!("content {}:\n{}", editions.version, editions.summary());
    Ok(())
}

/// Trunk writes the wasm start-up as an inline `<script type="module">`. The
/// server's CSP allows no inline script, so the script moves to its own file,
/// named by its hash like the rest of the build.
fn externalise_boot_script(staging: &Path, html_file: &str) -> Result<()> {
    let index_path = staging.join(html_file);
    let html = std::fs::read_to_string(&index_path)
        .map_err(|err| format!("cannot read {}: {err}", index_path.display()))?;
    let html = strip_nonces(&html);
    let html = without_unused_snippet_preloads(&html, |glue| {
        std::fs::read_to_string(staging.join(glue.trim_start_matches('/'))).ok()
    });
    let Some((start, body_start, body_end, end)) = find_inline_module(&html) else {
        write(&index_path, html.as_bytes())?;
        return Ok(());
    };
    let body = html[body_start..body_end].trim();
    let name = format!(
        "boot-{}.js",
        qinglian_core::hash::fnv1a64_hex(body.as_bytes())
    );
    write(&staging.join(&name), body.as_bytes())?;
    let tag = format!(r#"<script type="module" src="/{name}"></script>"#);
    let rewritten = format!("{}{}{}", &html[..start], tag, &html[end..]);
    write(&index_path, rewritten.as_bytes())
}

const MODULEPRELOAD: &str = "<link rel=\"modulepreload\" href=\"";

/// Trunk preloads every JavaScript snippet of the crate for each part, also
/// those the part's wasm never imports (the welcome part does not read the
/// content, so it has no use for `boot_reads.js`): a first visit would
/// download them for nothing. Drops each snippet's preload that the part's
/// JavaScript glue (the first preloaded `.js` outside `/snippets/`, read
/// with `read`) does not import; keeps them all when the glue is not found.
fn without_unused_snippet_preloads(html: &str, read: impl Fn(&str) -> Option<String>) -> String {
    let hrefs: Vec<&str> = html
        .match_indices(MODULEPRELOAD)
        .filter_map(|(at, _)| {
            let rest = &html[at + MODULEPRELOAD.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect();
    let Some(glue) = hrefs
        .iter()
        .find(|href| !href.starts_with("/snippets/") && href.ends_with(".js"))
        .and_then(|href| read(href))
    else {
        return html.to_owned();
    };
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(MODULEPRELOAD) {
        let after = &rest[at + MODULEPRELOAD.len()..];
        let href = after.split('"').next().unwrap_or_default();
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let end = at + MODULEPRELOAD.len() + tag_end + 1;
        let unused = href.starts_with("/snippets/") && !glue.contains(href.trim_start_matches('/'));
        out.push_str(&rest[..if unused { at } else { end }]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Trunk puts `nonce="…"` on its tags; a nonce fixed at build time protects
/// nothing, and our CSP does not use nonces.
fn strip_nonces(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find(" nonce=\"") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 8..];
        match after.find('"') {
            Some(close) => rest = &after[close + 1..],
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Finds the first `<script type="module">` without `src`: (tag start, body
/// start, body end, end after `</script>`).
fn find_inline_module(html: &str) -> Option<(usize, usize, usize, usize)> {
    let mut from = 0;
    while let Some(rel) = html[from..].find("<script") {
        let start = from + rel;
        let open_end = start + html[start..].find('>')? + 1;
        let open = &html[start..open_end];
        let close = open_end + html[open_end..].find("</script>")?;
        if open.contains("type=\"module\"") && !open.contains("src=") {
            return Some((start, open_end, close, close + "</script>".len()));
        }
        from = close;
    }
    None
}

/// sw.js = the build's hash and file list + the worker's code from public/sw.js.
/// Leaves out `not_precached`; lists first (STUDY_FIRST) what the study part
/// needs to open, index.html and the files it names and the primary
/// edition's outline and content pack, which the worker downloads before the rest.
fn write_service_worker(root: &Path, staging: &Path, not_precached: &[String]) -> Result<()> {
    let template_path = root.join("public/sw.js");
    let template = std::fs::read_to_string(&template_path)
        .map_err(|err| format!("cannot read {}: {err}", template_path.display()))?;
    let mut files = Vec::new();
    list_files(staging, staging, &mut files)?;
    files.retain(|(url, _)| url != "/sw.js" && !not_precached.contains(url));
    files.sort();
    let index_path = staging.join(AppPart::Study.html_file());
    let index = std::fs::read_to_string(&index_path)
        .map_err(|err| format!("cannot read {}: {err}", index_path.display()))?;
    let study_first: Vec<&str> = files
        .iter()
        .map(|(url, _)| url.as_str())
        .filter(|url| {
            *url == "/index.html"
                || url
                    .strip_prefix('/')
                    .is_some_and(opened_with_primary_content)
                || html_names(&index, url)
        })
        .collect();
    let mut all = Vec::new();
    for (url, bytes) in &files {
        all.extend_from_slice(url.as_bytes());
        all.push(0);
        all.extend_from_slice(bytes);
    }
    let build = qinglian_core::hash::fnv1a64_hex(&all);
    let urls: Vec<&str> = files.iter().map(|(url, _)| url.as_str()).collect();
    let header = format!(
        "// Generated by `cargo xtask post-build`: the build's hash, every file it precaches,\n\
         // those of them the study part opens with, and the pages of the app's bureau part\n\
         // (qinglian_core::app_parts).\n\
         const BUILD = {};\nconst PRECACHE = {};\nconst STUDY_FIRST = {};\nconst BUREAU_PATHS = {};\nconst BUREAU_SHELL = {};\n\n",
        serde_json::to_string(&build).expect("string"),
        serde_json::to_string_pretty(&urls).expect("list"),
        serde_json::to_string_pretty(&study_first).expect("list"),
        serde_json::to_string(&BUREAU_PATHS).expect("list"),
        serde_json::to_string(&format!("/{}", AppPart::Bureau.html_file())).expect("string"),
    );
    write(
        &staging.join("sw.js"),
        format!("{header}{template}").as_bytes(),
    )?;
    println!(
        "service worker: build {build}, {} files precached",
        urls.len()
    );
    Ok(())
}

/// Whether a built HTML file names the file at `url` (`/…`): trunk writes
/// every script, style sheet, wasm and preload it links as a quoted path.
pub fn html_names(html: &str, url: &str) -> bool {
    html.contains(&format!("\"{url}\""))
}

fn list_files(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|err| format!("cannot list {}: {err}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|err| err.to_string())?.path();
        if path.is_dir() {
            list_files(base, &path, out)?;
        } else {
            let rel = path.strip_prefix(base).expect("under base");
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            let bytes = std::fs::read(&path)
                .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
            out.push((url, bytes));
        }
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|err| format!("cannot write {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each part starts from its own HTML file (trunk builds one per file),
    /// and all three show the same stand-in while the wasm loads: the same
    /// head, the same top bar, and for a first visit (welcome.html) and an
    /// installed start (index.html) the same paragraph of what the app is for.
    #[test]
    fn the_parts_html_files_share_their_head_and_stand_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("repo");
        let read = |file: &str| std::fs::read_to_string(root.join(file)).expect(file);
        let head = |html: &str| {
            html[..html.find("</head>").expect("a head")]
                .lines()
                .filter(|line| !line.contains("data-trunk"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let top_bar = |html: &str| {
            let start = html.find("<header class=\"top-bar\">").expect("a top bar");
            html[start..start + html[start..].find("</header>").expect("its end")].to_owned()
        };
        let lead = |html: &str| {
            html.lines()
                .find(|line| line.contains("class=\"lead\""))
                .map(str::to_owned)
        };
        let index = read(AppPart::Study.html_file());
        for other in [WELCOME_HTML, AppPart::Bureau.html_file()] {
            let html = read(other);
            assert_eq!(head(&html), head(&index), "{other}'s head");
            assert_eq!(top_bar(&html), top_bar(&index), "{other}'s top bar");
        }
        assert!(lead(&index).is_some());
        assert_eq!(lead(&read(WELCOME_HTML)), lead(&index));
    }

    #[test]
    fn finds_the_inline_module_and_skips_external_scripts() {
        let html = r#"<head><script src="/a.js"></script><script type="module">import init from '/x.js';
init();</script></head>"#;
        let (start, body_start, body_end, end) = find_inline_module(html).unwrap();
        assert_eq!(
            &html[body_start..body_end],
            "import init from '/x.js';\ninit();"
        );
        assert!(html[start..end].starts_with("<script type=\"module\">"));
        assert!(html[start..end].ends_with("</script>"));
    }

    #[test]
    fn a_snippet_the_parts_glue_does_not_import_is_not_preloaded() {
        let html = concat!(
            r#"<link rel="modulepreload" href="/qinglian-welcome-1e49.js" crossorigin="anonymous" integrity="sha384-a">"#,
            r#"<link rel="modulepreload" href="/snippets/qinglian-4bab/src/pwa.js" crossorigin="anonymous" integrity="sha384-b">"#,
            r#"<link rel="modulepreload" href="/snippets/qinglian-4bab/src/boot_reads.js" crossorigin="anonymous" integrity="sha384-c">"#,
            r#"<link rel="preload" href="/qinglian-welcome-1e49_bg.wasm" as="fetch">"#
        );
        let glue = "import { register } from './snippets/qinglian-4bab/src/pwa.js';";
        let read = |href: &str| (href == "/qinglian-welcome-1e49.js").then(|| glue.to_owned());
        let kept = without_unused_snippet_preloads(html, read);
        assert!(kept.contains("/qinglian-welcome-1e49.js"));
        assert!(kept.contains("/src/pwa.js"));
        assert!(!kept.contains("boot_reads.js"), "{kept}");
        assert!(kept
            .contains(r#"<link rel="preload" href="/qinglian-welcome-1e49_bg.wasm" as="fetch">"#));
        assert_eq!(kept.matches("<link").count(), 3);
        // No glue found: every preload stays.
        assert_eq!(without_unused_snippet_preloads(html, |_| None), html);
    }

    #[test]
    fn no_inline_module_means_nothing_to_move() {
        assert!(find_inline_module(r#"<script type="module" src="/b.js"></script>"#).is_none());
    }

    #[test]
    fn nonces_are_removed() {
        assert_eq!(
            strip_nonces(
                r#"<script nonce="abc" type="module">x</script><link nonce="d" href="e">"#
            ),
            r#"<script type="module">x</script><link href="e">"#
        );
    }
}
