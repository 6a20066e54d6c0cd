//! The project's commands. A fresh machine needs only Rust, Node/npm and the
//! system package manager: every other tool is installed here, at a pinned
//! version, and skipped when already present.
//!
//!   cargo xtask run    install what is missing, build, serve on 127.0.0.1:8080
//!   cargo xtask test   install what tests need, build, run every test
//!   cargo xtask dist   release build of the app (dist/) and the server binary
//!   cargo xtask bench  sizes against the budget, and the benchmarks

mod bench;
mod build;
mod postgres;
mod testing;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    let result = match args.first().map(String::as_str) {
        Some("run") => build::run(&root, &args[1..]),
        Some("test") => testing::test(&root, &args[1..]),
        Some("dist") => build::dist(&root),
        Some("bench") => bench::bench(&root),
        Some("post-build") => build::post_build(&root),
        Some("content") => build::content_check(&root, &args[1..]),
        Some("setup") => tools::ensure_build_tools(&root).map(|_| ()),
        Some("screenshots") => build::screenshots(&root),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: {err}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>

  run [--addr A]  install what is missing, build the release app, serve it with
                  qinglian-server on http://127.0.0.1:8080 (data in ./data)
  test            install what the tests need, build, run every test
                  (fmt, clippy, native, wasm browser tests, end-to-end)
  dist            release build: the app into dist/, the server binary into target/release
  bench           print sizes against the budget and the benchmarks
  content [--export DIR]
                  validate content/ (both editions) and print what each holds;
                  --export writes DIR/pack.<lang>.json
  screenshots     phone screenshots of the Chinese edition (Today, a lesson)
                  from the release build, into docs/screenshots/
  setup           install the build tools only";

/// The error every step returns: one sentence that says what failed and what to do.
pub type Result<T> = std::result::Result<T, String>;

fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}

/// Prints a step's heading so a long log says where it is.
pub fn step(text: &str) {
    println!("\n==> {text}");
}

/// Runs a command in `dir`, streaming its output; fails with the command line.
pub fn run_in(dir: &Path, cmd: &mut Command) -> Result<()> {
    cmd.current_dir(dir);
    let status = cmd
        .status()
        .map_err(|err| format!("could not start {}: {err}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

/// Runs a command and returns its standard output, or None when it cannot run.
pub fn output_of(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}
