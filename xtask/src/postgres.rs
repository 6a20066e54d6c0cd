//! A throwaway PostgreSQL server for the server's conformance suite and its
//! bench: installed from the system packages when missing, a fresh cluster
//! in a temporary directory on a free loopback port, stopped and deleted
//! when dropped. It never touches a PostgreSQL the machine already runs.

use crate::{output_of, run_in, tools, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running throwaway cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// PostgreSQL refuses to run as root: then it runs as this account.
    run_as: Option<&'static str>,
    /// An address whose user may create databases, e.g. for
    /// `QINGLIAN_TEST_POSTGRES`.
    pub url: String,
}

/// The newest PostgreSQL's programs: Debian keeps them in
/// /usr/lib/postgresql/<version>/bin, off the PATH.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Some(bin);
    }
    let initdb = output_of(Command::new("sh").args(["-c", "command -v initdb"]))?;
    Path::new(initdb.trim()).parent().map(Path::to_owned)
}

fn is_root() -> bool {
    output_of(Command::new("id").arg("-u")).is_some_and(|id| id.trim() == "0")
}

/// A free port on the loopback address (free now; the cluster takes it at once).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|err| format!("cannot find a free port: {err}"))?;
    Ok(listener
        .local_addr()
        .map_err(|err| format!("cannot find a free port: {err}"))?
        .port())
}

impl Cluster {
    /// Installs PostgreSQL when missing and starts a throwaway cluster.
    /// `durable: false` turns fsync off (tests); the bench keeps it on, as a
    /// real server would. `Err` says why there is none (then the caller
    /// counts the PostgreSQL tests as skipped).
    pub fn start(durable: bool) -> Result<Cluster> {
        let bin = match find_bin() {
            Some(bin) => bin,
            None => {
                tools::install_system_packages(
                    &["postgresql"],
                    "the server's PostgreSQL tests need PostgreSQL",
                )?;
                find_bin()
                    .ok_or("PostgreSQL was installed but its initdb is nowhere to be found")?
            }
        };
        let run_as = is_root().then_some("postgres");
        let dir = std::env::temp_dir().join(format!(
            "qinglian-pg-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        let mut cluster = Cluster {
            dir,
            bin,
            run_as,
            url: String::new(),
        };
        if let Some(user) = run_as {
            run_in(
                Path::new("/"),
                Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(&cluster.dir),
            )
            .map_err(|err| format!("cannot give the cluster's directory to {user}: {err}"))?;
        }
        let data = cluster.dir.join("data");
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "qinglian",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let port = free_port()?;
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300",
            cluster.dir.display()
        );
        if !durable {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = cluster.dir.join("server.log");
        cluster.pg(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        cluster.url = format!("postgres://qinglian@127.0.0.1:{port}/postgres");
        Ok(cluster)
    }

    /// Runs one of PostgreSQL's programs (as the `postgres` account under root).
    fn pg(&self, program: &str, args: &[&str]) -> Result<()> {
        let path = self.bin.join(program);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(&path);
                cmd
            }
            None => Command::new(&path),
        };
        cmd.args(args).current_dir(&self.dir).stdout(Stdio::null());
        let status = cmd
            .status()
            .map_err(|err| format!("cannot run {}: {err}", path.display()))?;
        if status.success() {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            Err(format!(
                "{program} failed ({status}){}",
                if log.is_empty() {
                    String::new()
                } else {
                    format!(":\n{log}")
                }
            ))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.url.is_empty() {
            let data = self.dir.join("data");
            let _ = self.pg(
                "pg_ctl",
                &[
                    "-D",
                    &data.to_string_lossy(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starts a real cluster: `cargo test -p xtask -- --ignored`.
    #[test]
    #[ignore = "starts PostgreSQL (and may install it)"]
    fn a_throwaway_cluster_answers_and_is_gone_after() {
        let cluster = Cluster::start(false).unwrap();
        let answer =
            output_of(Command::new("psql").args([cluster.url.as_str(), "-tAc", "SELECT 40 + 2"]))
                .unwrap();
        assert_eq!(answer.trim(), "42");
        let dir = cluster.dir.clone();
        drop(cluster);
        assert!(!dir.exists());
    }
}
