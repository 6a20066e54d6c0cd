//! `cargo xtask test`: every check the project has, in one command, ending with
//! one count of passed and failed tests.

use crate::{build, cargo, describe, output_of, run_in, step, tools, Result};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Passed and failed tests, summed over every runner.
#[derive(Default, Debug, PartialEq, Eq)]
struct Tally {
    passed: u64,
    failed: u64,
    /// Tests that could not run here (no PostgreSQL): never counted as passed.
    skipped: u64,
    failures: Vec<String>,
}

/// The server's test files that run on both stores: the API tests, the
/// attack tests, the sync properties; and those only PostgreSQL runs: the
/// two-server test and each store call compared with SQLite's (`pg_*`).
const CONFORMANCE: [&str; 6] = [
    "api",
    "attack",
    "property",
    "two_servers",
    "pg_store",
    "pg_together",
];

/// `cargo test` of the conformance suite on PostgreSQL (with the server's
/// unit tests, some of which are PostgreSQL's own): tests named `sqlite_*`
/// check SQLite's own files and locks; `postgres_*` ones, ignored in the
/// SQLite run, are included.
fn conformance_on_postgres(list: bool) -> std::process::Command {
    let mut cmd = cargo();
    cmd.args(["test", "-p", "qinglian-server", "--lib"]);
    for test in CONFORMANCE {
        cmd.args(["--test", test]);
    }
    cmd.args(["--", "--include-ignored", "--skip", "sqlite_"]);
    if list {
        cmd.args(["--list", "--format", "terse"]);
    }
    cmd
}

pub fn test(root: &Path, args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--no-e2e");
    let path = tools::ensure_build_tools(root)?;
    tools::ensure_chromium()?;
    let mut tally = Tally::default();

    step("Checking formatting (cargo fmt --check)");
    run_in(root, cargo().args(["fmt", "--all", "--", "--check"]))
        .map_err(|err| format!("{err}\nRun `cargo fmt --all` and commit the result."))?;
    step("Linting (cargo clippy --workspace --all-targets -D warnings)");
    run_in(
        root,
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;

    step("Native unit and property tests (cargo test --workspace)");
    counted(
        root,
        cargo().args(["test", "--workspace"]),
        parse_cargo_line,
        "native tests",
        &mut tally,
    );

    step("The server's conformance suite on PostgreSQL (the same API tests, a throwaway cluster)");
    match crate::postgres::Cluster::start(false) {
        Ok(cluster) => {
            println!("PostgreSQL: {}", cluster.url);
            counted(
                root,
                conformance_on_postgres(false).env("QINGLIAN_TEST_POSTGRES", &cluster.url),
                parse_cargo_line,
                "PostgreSQL conformance tests",
                &mut tally,
            );
        }
        Err(why) => {
            let listed = output_of(conformance_on_postgres(true).current_dir(root))
                .map_or(0, |out| {
                    out.lines().filter(|l| l.ends_with(": test")).count()
                });
            println!("SKIPPED: {listed} PostgreSQL tests: no PostgreSQL here: {why}");
            tally.skipped += listed as u64;
        }
    }

    step("Storage tests in headless Chromium (wasm-bindgen-test)");
    counted(
        root,
        cargo()
            .args([
                "test",
                "--target",
                "wasm32-unknown-unknown",
                "--package",
                "qinglian",
                "--test",
                "storage",
            ])
            .env("PATH", &path)
            .env("CHROMEDRIVER", tools::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        parse_cargo_line,
        "wasm browser tests",
        &mut tally,
    );

    if !quick {
        build::build_app(root, &path)?;
        // The end-to-end tests run what ships: with the compressed copies.
        build::precompress(&root.join("dist"))?;
        build::build_server(root)?;
        step("End-to-end tests: the built app in headless Chromium against qinglian-server");
        counted(
            root,
            Command::new("node")
                .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
                .arg("tests/e2e/")
                .env("QINGLIAN_SERVER", build::server_binary(root))
                .env("QINGLIAN_DIST", root.join("dist"))
                .env("CHROMIUM", tools::CHROMIUM),
            parse_node_line,
            "end-to-end tests",
            &mut tally,
        );
    }

    println!("\n==> Summary");
    for failure in &tally.failures {
        println!("FAILED: {failure}");
    }
    println!(
        "{} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.skipped
    );
    if tally.failed == 0 && tally.failures.is_empty() {
        Ok(())
    } else {
        Err("some tests failed (see above)".to_owned())
    }
}

/// Runs a test command, echoing its output and adding up its counts. A command
/// that fails without reporting a failed test (a build error) counts as a failure.
fn counted(
    root: &Path,
    cmd: &mut Command,
    parse: fn(&str) -> Option<(u64, u64)>,
    what: &str,
    tally: &mut Tally,
) {
    cmd.current_dir(root).stdout(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(err) => {
            tally
                .failures
                .push(format!("{what}: could not start {}: {err}", describe(cmd)));
            return;
        }
    };
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("{line}");
            if let Some((p, f)) = parse(&line) {
                passed += p;
                failed += f;
            }
        }
    }
    let status = child.wait().map(|s| s.success()).unwrap_or(false);
    tally.passed += passed;
    tally.failed += failed;
    if !status && failed == 0 {
        tally
            .failures
            .push(format!("{what}: {} exited with an error", describe(cmd)));
    } else if failed > 0 {
        tally.failures.push(format!("{what}: {failed} failed"));
    } else if passed == 0 {
        tally.failures.push(format!("{what}: no test ran"));
    }
    println!("{what}: {passed} passed, {failed} failed");
}

/// `test result: ok. 12 passed; 0 failed; 0 ignored; …`
fn parse_cargo_line(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| -> Option<u64> {
        let pos = rest.find(word)?;
        rest[..pos].trim_end().rsplit(' ').next()?.parse().ok()
    };
    Some((number_before(" passed")?, number_before(" failed")?))
}

/// Node's spec reporter ends with `ℹ pass 7` and `ℹ fail 0` lines.
fn parse_node_line(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().trim_start_matches(['ℹ', '#']).trim();
    if let Some(n) = rest.strip_prefix("pass ") {
        return n.trim().parse().ok().map(|n| (n, 0));
    }
    if let Some(n) = rest.strip_prefix("fail ") {
        return n.trim().parse().ok().map(|n| (0, n));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_summaries() {
        assert_eq!(
            parse_cargo_line("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s"),
            Some((12, 0))
        );
        assert_eq!(
            parse_cargo_line("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_cargo_line("running 3 tests"), None);
    }

    #[test]
    fn reads_node_summaries() {
        assert_eq!(parse_node_line("ℹ pass 7"), Some((7, 0)));
        assert_eq!(parse_node_line("# fail 2"), Some((0, 2)));
        assert_eq!(parse_node_line("ℹ tests 9"), None);
    }
}
