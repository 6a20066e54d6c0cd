//! A lock on the data directory: every running server holds it shared, and
//! `admin restore` takes it alone, so a database is never replaced under a
//! server. (Other commands need no lock: SQLite keeps them consistent.)

use std::fs::File;
use std::path::Path;

/// The lock file in the data directory.
pub const LOCK_FILE: &str = "qinglian.lock";

/// A held lock; released when dropped (or when the process ends, even by a
/// crash).
#[derive(Debug)]
pub struct DataLock {
    _file: File,
}

fn open(data_dir: &Path) -> Result<File, String> {
    let path = data_dir.join(LOCK_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)
        .map_err(|err| format!("cannot open {}: {err}", path.display()))
}

#[cfg(unix)]
fn lock(file: &File, exclusive: bool) -> std::io::Result<()> {
    use rustix::fs::{flock, FlockOperation};
    let operation = if exclusive {
        FlockOperation::NonBlockingLockExclusive
    } else {
        FlockOperation::NonBlockingLockShared
    };
    flock(file, operation).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn lock(_: &File, _: bool) -> std::io::Result<()> {
    Ok(())
}

impl DataLock {
    /// A server's lock: many servers may share the directory.
    pub fn shared(data_dir: &Path) -> Result<DataLock, String> {
        let file = open(data_dir)?;
        lock(&file, false).map_err(|_| {
            format!(
                "{} is being restored: start the server when the restore is done",
                data_dir.display()
            )
        })?;
        Ok(DataLock { _file: file })
    }

    /// The restore's lock: refused while any server holds the directory.
    pub fn exclusive(data_dir: &Path) -> Result<DataLock, String> {
        let file = open(data_dir)?;
        lock(&file, true).map_err(|_| {
            format!(
                "a server is using {}: stop it first (nothing was changed)",
                data_dir.display()
            )
        })?;
        Ok(DataLock { _file: file })
    }
}
