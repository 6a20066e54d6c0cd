//! `cargo xtask bench`: the release build's sizes against the budget kept in
//! `budget.toml`, and the benchmarks. Exits non-zero when over budget.

use crate::{build, step, tools, Result};
use qinglian_core::app_parts::WELCOME_HTML;
use std::path::Path;

/// One row of the size table.
struct Row {
    name: String,
    raw: u64,
    gzip: u64,
    /// What the server sends a browser that accepts brotli: the build's
    /// `.br` copy, or the file itself when it has none.
    wire: u64,
    first_visit: bool,
    /// Needed before Today can open: index.html's files and the pack.
    study_part: bool,
}

pub fn bench(root: &Path) -> Result<()> {
    let path = tools::ensure_build_tools(root)?;
    tools::ensure_chromium()?;
    build::build_app(root, &path)?;
    build::precompress(&root.join("dist"))?;
    let sizes = sizes(root);
    build::build_server(root)?;
    tools::ensure_node_packages(root)?;
    step("Page load on a slow phone (headless Chromium, throttled, beside a static page)");
    let load = load_benchmark(root);
    step("Lighthouse on a phone (mobile, simulated slow 4G, the first visit)");
    let lighthouse = lighthouse_benchmark(root);
    step("Storage benchmarks in headless Chromium (release build)");
    let storage = storage_benchmarks(root, &path);
    step("Sync throughput and latency (qinglian-server on loopback, release build; SQLite, and PostgreSQL with two servers)");
    // A throwaway PostgreSQL that syncs to disk as a real one would.
    let postgres = match crate::postgres::Cluster::start(true) {
        Ok(cluster) => Some(cluster),
        Err(why) => {
            println!("PostgreSQL is not measured: {why}");
            None
        }
    };
    let mut sync_bench = crate::cargo();
    sync_bench.args([
        "run",
        "--quiet",
        "--release",
        "--package",
        "qinglian-server",
        "--example",
        "sync_bench",
    ]);
    if let Some(cluster) = &postgres {
        sync_bench.env("QINGLIAN_BENCH_POSTGRES", &cluster.url);
    }
    let sync = crate::run_in(root, &mut sync_bench);
    drop(postgres);
    sizes.and(load).and(lighthouse).and(storage).and(sync)
}

/// Runs `tests/load_bench.mjs` (the release build on the real server, a
/// throttled phone, beside a static page), prints its lines, and checks its
/// medians against budget.toml.
fn load_benchmark(root: &Path) -> Result<()> {
    let result = node_benchmark(root, "tests/load_bench.mjs", "load:", "page-load")?;
    let figure = |key: &str| result[key].as_f64().unwrap_or(f64::INFINITY);
    let ratio = figure("cold_ratio");
    let ratio_budget = read_budget_key(root, "cold_ready_ratio_tenths")? as f64 / 10.0;
    let warm_budget = read_budget_key(root, "warm_ready_ms")? as f64;
    let lessons_budget = read_budget_key(root, "warm_ready_500_lessons_ms")? as f64;
    let events_budget = read_budget_key(root, "warm_ready_50k_events_ms")? as f64;
    let running_budget = read_budget_key(root, "warm_running_ms")? as f64;
    println!(
        "budget: first visit ready within {ratio_budget}× the static page, warm start within \
         {warm_budget} ms, with 500 lessons within {lessons_budget} ms, with 50,000 events \
         (or as many as fit) within {events_budget} ms; the app running (its own Today's \
         figures) within {running_budget} ms in each (budget.toml)"
    );
    if ratio > ratio_budget {
        return Err(format!(
            "the first visit is ready after {ratio}× the static page's time, over the {ratio_budget}× budget"
        ));
    }
    for (key, what, budget) in [
        ("warm_ms", "the warm start".to_owned(), warm_budget),
        (
            "warm_500_lessons_ms",
            "the warm start with 500 lessons".to_owned(),
            lessons_budget,
        ),
        (
            "warm_events_ms",
            format!(
                "the warm start with {} events",
                result["events_stored"].as_u64().unwrap_or(0)
            ),
            events_budget,
        ),
        (
            "warm_running_ms",
            "the app running after a warm start".to_owned(),
            running_budget,
        ),
        (
            "warm_500_lessons_running_ms",
            "the app running with 500 lessons".to_owned(),
            running_budget,
        ),
        (
            "warm_events_running_ms",
            "the app running with the events".to_owned(),
            running_budget,
        ),
    ] {
        let ms = figure(key);
        if ms > budget {
            return Err(format!("{what} takes {ms} ms, over the {budget} ms budget"));
        }
    }
    Ok(())
}

/// Runs `tests/lighthouse_bench.mjs` (Lighthouse's mobile audit of the
/// release build on the real server), prints its lines, and checks its
/// scores against the floors in budget.toml.
fn lighthouse_benchmark(root: &Path) -> Result<()> {
    let result = node_benchmark(
        root,
        "tests/lighthouse_bench.mjs",
        "lighthouse:",
        "Lighthouse",
    )?;
    let mut floors = Vec::new();
    for (key, budget_key, name) in [
        ("performance", "lighthouse_performance_min", "performance"),
        (
            "accessibility",
            "lighthouse_accessibility_min",
            "accessibility",
        ),
        (
            "best_practices",
            "lighthouse_best_practices_min",
            "best practices",
        ),
    ] {
        let floor = read_budget_key(root, budget_key)?;
        let score = result[key].as_f64().unwrap_or(0.0);
        floors.push((name, score, floor));
    }
    let listed: Vec<String> = floors
        .iter()
        .map(|(name, _, floor)| format!("{name} {floor}"))
        .collect();
    println!(
        "budget: Lighthouse scores at least {} (budget.toml)",
        listed.join(", ")
    );
    for (name, score, floor) in floors {
        if score < floor as f64 {
            return Err(format!(
                "Lighthouse scores {name} {score}, under the floor of {floor}"
            ));
        }
    }
    Ok(())
}

/// Runs a node script of the bench against the release build and the real
/// server, prints its lines that start with `prefix`, and returns its last
/// JSON line. `what` names the benchmark in errors.
fn node_benchmark(
    root: &Path,
    script: &str,
    prefix: &str,
    what: &str,
) -> Result<serde_json::Value> {
    let output = std::process::Command::new("node")
        .arg(script)
        .current_dir(root)
        .env("QINGLIAN_SERVER", build::server_binary(root))
        .env("QINGLIAN_DIST", root.join("dist"))
        .output()
        .map_err(|err| format!("could not run the {what} benchmark: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines().filter(|l| l.starts_with(prefix)) {
        println!("{line}");
    }
    let result: Option<serde_json::Value> = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok());
    match result.filter(|_| output.status.success()) {
        Some(result) => Ok(result),
        None => {
            eprintln!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
            Err(format!("the {what} benchmark failed (output above)"))
        }
    }
}

/// Runs `tests/bench.rs` in Chromium and prints its `bench:` lines.
fn storage_benchmarks(root: &Path, path: &str) -> Result<()> {
    let output = crate::cargo()
        .args([
            "test",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--package",
            "qinglian",
            "--test",
            "bench",
            "--",
            "--nocapture",
        ])
        .current_dir(root)
        .env("PATH", path)
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
        .output()
        .map_err(|err| format!("could not run the storage benchmarks: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut printed = 0;
    for line in stdout.lines().filter(|l| l.contains("bench:")) {
        println!("{}", line.trim_start_matches(|c: char| c != 'b').trim());
        printed += 1;
    }
    if !output.status.success() || printed == 0 {
        eprintln!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        return Err("the storage benchmarks failed (output above)".to_owned());
    }
    Ok(())
}

fn sizes(root: &Path) -> Result<()> {
    let budget_kb = read_budget(root)?;
    step("Sizes of the release build (dist/)");
    let rows = size_rows(&root.join("dist"))?;
    println!(
        "{:<44} {:>10} {:>10} {:>10}  first visit / study part",
        "file", "raw B", "gzip B", "sent B"
    );
    for row in &rows {
        println!(
            "{:<44} {:>10} {:>10} {:>10}  {:<5} {}",
            row.name,
            row.raw,
            row.gzip,
            row.wire,
            if row.first_visit { "yes" } else { "" },
            if row.study_part { "yes" } else { "" }
        );
    }
    let first_visit: u64 = rows.iter().filter(|r| r.first_visit).map(|r| r.gzip).sum();
    let wire: u64 = rows.iter().filter(|r| r.first_visit).map(|r| r.wire).sum();
    let all: u64 = rows.iter().map(|r| r.gzip).sum();
    let kb = |bytes: u64| bytes as f64 / 1024.0;
    println!(
        "\ngzip total of the first visit (its html and the js, wasm and css it names): {:.1} KB",
        kb(first_visit)
    );
    println!(
        "sent on the first visit (the build's brotli 11 copies): {:.1} KB",
        kb(wire)
    );
    let study_part: u64 = rows.iter().filter(|r| r.study_part).map(|r| r.wire).sum();
    println!(
        "sent for the study part (index.html, what it names, the Chinese pack; brotli 11): {:.1} KB",
        kb(study_part)
    );
    println!("gzip total of every file: {:.1} KB", kb(all));
    let study_budget_kb = read_budget_key(root, "study_part_sent_kb")?;
    println!("budget of the study part: {study_budget_kb} KB (budget.toml)");
    if kb(study_part) > study_budget_kb as f64 {
        return Err(format!(
            "the study part sends {:.1} KB, over the {study_budget_kb} KB budget",
            kb(study_part)
        ));
    }
    println!("budget: {budget_kb} KB (budget.toml)");
    let sent_budget_kb = read_budget_key(root, "first_visit_sent_kb")?;
    println!("budget of what is sent: {sent_budget_kb} KB (budget.toml)");
    if kb(wire) > sent_budget_kb as f64 {
        return Err(format!(
            "the first visit sends {:.1} KB, over the {sent_budget_kb} KB budget",
            kb(wire)
        ));
    }
    if kb(first_visit) > budget_kb as f64 {
        return Err(format!(
            "the first visit downloads {:.1} KB gzip, over the {budget_kb} KB budget",
            kb(first_visit)
        ));
    }
    println!(
        "within budget ({:.0}% used)",
        100.0 * kb(first_visit) / budget_kb as f64
    );
    Ok(())
}

fn read_budget(root: &Path) -> Result<u64> {
    read_budget_key(root, "first_visit_gzip_kb")
}

/// A `key = N` line of budget.toml.
fn read_budget_key(root: &Path, key: &str) -> Result<u64> {
    let text = std::fs::read_to_string(root.join("budget.toml"))
        .map_err(|err| format!("cannot read budget.toml: {err}"))?;
    text.lines()
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| format!("budget.toml needs a line `{key} = N`"))
}

fn size_rows(dist: &Path) -> Result<Vec<Row>> {
    let mut files = Vec::new();
    collect(dist, dist, &mut files)?;
    // A first visit gets the welcome part (welcome.html) and the scripts,
    // style sheet and wasm it names. The study part is index.html, what it
    // names and the primary edition's content pack: the service worker
    // downloads it while the learner answers the welcome, and the bureau
    // part's files when it has. A build without the welcome part starts
    // with the study part.
    let read = |html: &str| {
        std::fs::read_to_string(dist.join(html)).map_err(|err| format!("cannot read {html}: {err}"))
    };
    let study_html = read("index.html")?;
    let welcome_html = if dist.join(WELCOME_HTML).is_file() {
        Some(read(WELCOME_HTML)?)
    } else {
        None
    };
    let part_of = |html_file: &str, html: &str, name: &str| {
        name == html_file
            || ([".js", ".wasm", ".css"]
                .iter()
                .any(|ext| name.ends_with(ext))
                && build::html_names(html, &format!("/{name}")))
    };
    files.sort();
    let mut rows = Vec::new();
    for name in files {
        if name.ends_with(".br") || name.ends_with(".gz") {
            continue;
        }
        let bytes =
            std::fs::read(dist.join(&name)).map_err(|err| format!("cannot read {name}: {err}"))?;
        let wire = std::fs::metadata(dist.join(format!("{name}.br")))
            .map_or(bytes.len() as u64, |m| m.len());
        let study_part =
            part_of("index.html", &study_html, &name) || build::opened_with_primary_content(&name);
        let first_visit = match &welcome_html {
            Some(html) => part_of(WELCOME_HTML, html, &name),
            None => study_part,
        };
        rows.push(Row {
            raw: bytes.len() as u64,
            gzip: gzip_len(&bytes),
            wire,
            name,
            first_visit,
            study_part,
        });
    }
    Ok(rows)
}

/// Every file under `dir`, as paths relative to `base` with `/`.
pub fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in
        std::fs::read_dir(dir).map_err(|err| format!("cannot list {}: {err}", dir.display()))?
    {
        let path = entry.map_err(|err| err.to_string())?.path();
        if path.is_dir() {
            collect(base, &path, out)?;
        } else {
            out.push(
                path.strip_prefix(base)
                    .expect("under base")
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> u64 {
    crate::build::gzip_9(bytes).len() as u64
}
