//! Installing the pinned build and test tools, each only when missing or at the
//! wrong version. The versions were measured to work together (see
//! docs/ARCHITECTURE.md): change them together.

use crate::{output_of, run_in, step, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` crate pinned in Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// binaryen's release number, as `wasm-opt --version` prints it.
pub const BINARYEN_VERSION: &str = "132";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The PATH for build tools: the project's node_modules/.bin first (wasm-opt),
/// then cargo's bin directory, then the inherited PATH.
pub fn tool_path(root: &Path) -> String {
    let mut dirs: Vec<PathBuf> = vec![root.join("node_modules/.bin")];
    if let Some(home) = cargo_home() {
        dirs.push(home.join("bin"));
    }
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&inherited));
    std::env::join_paths(dirs)
        .expect("paths join")
        .to_string_lossy()
        .into_owned()
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
}

fn version_of(root: &Path, program: &str, arg: &str) -> Option<String> {
    output_of(Command::new(program).arg(arg).env("PATH", tool_path(root)))
}

/// Everything `trunk build` needs. Returns the PATH to build with.
pub fn ensure_build_tools(root: &Path) -> Result<String> {
    ensure_wasm_target()?;
    ensure_cargo_tool(
        root,
        "trunk",
        TRUNK_VERSION,
        &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
    )?;
    // The CLI's own lock file names a crate release the registry lacks, so it
    // is installed without --locked (measured).
    ensure_cargo_tool(
        root,
        "wasm-bindgen",
        WASM_BINDGEN_VERSION,
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ],
    )?;
    ensure_node_packages(root)?;
    let wasm_opt = version_of(root, "wasm-opt", "--version").unwrap_or_default();
    if !wasm_opt.contains(&format!("version {BINARYEN_VERSION}")) {
        return Err(format!(
            "wasm-opt from node_modules/.bin should be binaryen {BINARYEN_VERSION}, found {:?}: \
             delete node_modules and run again",
            wasm_opt.trim()
        ));
    }
    Ok(tool_path(root))
}

fn ensure_wasm_target() -> Result<()> {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("rustup is not available: install Rust with rustup (https://rustup.rs)")?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        println!("wasm32-unknown-unknown target: present");
        return Ok(());
    }
    step("Adding the wasm32-unknown-unknown target");
    run_in(
        Path::new("."),
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
    )
}

fn ensure_cargo_tool(root: &Path, program: &str, version: &str, install: &[&str]) -> Result<()> {
    let found = version_of(root, program, "--version").unwrap_or_default();
    let found_version = found.split_whitespace().nth(1).unwrap_or_default();
    if found_version == version {
        println!("{program} {version}: present");
        return Ok(());
    }
    if found_version.is_empty() {
        step(&format!(
            "Installing {program} {version} (takes a few minutes, once)"
        ));
    } else {
        step(&format!(
            "Replacing {program} {found_version} with {version}"
        ));
    }
    run_in(root, crate::cargo().args(install))
        .map_err(|err| format!("{err}\nCould not install {program} {version}: check that crates can be downloaded, then run again."))
}

/// Installs the npm packages of package-lock.json (wasm-opt, Playwright, axe)
/// when node_modules is missing or older than the lock file.
pub fn ensure_node_packages(root: &Path) -> Result<()> {
    let npm_version = output_of(Command::new("npm").arg("--version")).ok_or(
        "npm is not installed: install Node.js 18 or newer with npm \
         (on Debian or Ubuntu: `apt-get install -y nodejs npm`), then run again",
    )?;
    let lock = std::fs::read(root.join("package-lock.json"))
        .map_err(|err| format!("package-lock.json is missing or unreadable: {err}"))?;
    let stamp_file = root.join("node_modules/.qinglian-lock");
    let wanted = qinglian_core::hash::fnv1a64_hex(&lock);
    if std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(wanted.as_str()) {
        println!("node packages: present (npm {})", npm_version.trim());
        return Ok(());
    }
    step("Installing node packages (binaryen's wasm-opt, playwright-core, axe-core, lighthouse, chrome-launcher)");
    run_in(
        root,
        Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"]),
    )
    .map_err(|err| format!("{err}\nnpm could not install the packages of package-lock.json: check the npm registry can be reached."))?;
    std::fs::write(&stamp_file, wanted)
        .map_err(|err| format!("cannot write {}: {err}", stamp_file.display()))?;
    Ok(())
}

/// Chromium and ChromeDriver from the system packages, for the browser tests.
pub fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        let version = output_of(Command::new(CHROMIUM).arg("--version")).unwrap_or_default();
        println!("chromium and chromedriver: present ({})", version.trim());
        return Ok(());
    }
    install_system_packages(
        &["chromium", "chromium-driver"],
        &format!("the browser tests need {CHROMIUM} and {CHROMEDRIVER}"),
    )
}

/// A Chinese font for screenshots of the Chinese edition (phones have their
/// own; a test machine's Chromium would draw empty boxes without one).
pub const CJK_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

pub fn ensure_cjk_font() -> Result<()> {
    if Path::new(CJK_FONT).exists() {
        println!("fonts-noto-cjk: present");
        return Ok(());
    }
    install_system_packages(
        &["fonts-noto-cjk"],
        "screenshots of the Chinese edition need a CJK font",
    )
}

/// Installs Debian packages when this runs as root with apt-get; otherwise
/// says exactly what to install.
pub fn install_system_packages(packages: &[&str], why: &str) -> Result<()> {
    let is_root = output_of(Command::new("id").arg("-u")).is_some_and(|id| id.trim() == "0");
    let has_apt = Path::new("/usr/bin/apt-get").exists();
    let list = packages.join(" ");
    if !(is_root && has_apt) {
        return Err(format!(
            "{why}: install them with `sudo apt-get update && sudo apt-get install -y {list}`, then run again"
        ));
    }
    step(&format!("Installing {list} from the system packages"));
    run_in(Path::new("/"), Command::new("apt-get").arg("update"))?;
    run_in(
        Path::new("/"),
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}
