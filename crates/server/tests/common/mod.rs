//! Shared by the integration tests: boot the real server on port 0 with a
//! fresh data directory and a small static build, and talk to it like the app.
#![allow(dead_code)]

use qinglian_core::content::{Editions, Pack};
use qinglian_core::events::{Event, EventKind};
use qinglian_server::admin::Database;
use qinglian_server::Config;
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;

pub const ADMIN_LOGIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "learner-password-1";

/// The content fixtures of the core crate, compiled into small valid editions.
pub fn fixture_pack() -> Editions {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/content");
    let editions = qinglian_core::authoring::compile_editions(&dir).expect("the fixtures compile");
    assert!(
        editions.validate().is_empty(),
        "the fixture editions are valid"
    );
    editions
}

/// A static build: index.html and the built-in content, one pack per edition.
pub fn static_dir(editions: &Editions) -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!DOCTYPE html><html><head><title>Qinglian</title></head><body></body></html>",
    )
    .unwrap();
    std::fs::create_dir_all(dist.path().join("content")).unwrap();
    for pack in &editions.packs {
        std::fs::write(
            dist.path()
                .join(format!("content/pack.{}.json", pack.lang.tag())),
            serde_json::to_vec(pack).unwrap(),
        )
        .unwrap();
    }
    dist
}

/// The PostgreSQL server the tests run on instead of SQLite, when
/// `QINGLIAN_TEST_POSTGRES` names one (an address whose user may create
/// databases): `cargo xtask test` runs the suite once on each store.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("QINGLIAN_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// Does this run use PostgreSQL?
pub fn on_postgres() -> bool {
    postgres_admin_url().is_some()
}

/// A fresh, empty database for one test: SQLite in `data`, or a new
/// PostgreSQL database on the server of `QINGLIAN_TEST_POSTGRES`.
pub async fn fresh_database(data: &Path) -> Database {
    use sqlx::Connection;
    let Some(admin_url) = postgres_admin_url() else {
        return Database::Sqlite(data.to_owned());
    };
    let name = format!("qt_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|err| panic!("cannot reach QINGLIAN_TEST_POSTGRES: {err}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let base = admin_url
        .split_once('?')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let (server, _) = base.rsplit_once('/').expect("a database URL has a path");
    Database::Postgres(format!("{server}/{name}"))
}

/// The configuration of a server on `database`.
pub fn config_on(database: &Database, data: &Path, dist: &Path) -> Config {
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        data.to_owned(),
        dist.to_owned(),
    );
    if let Database::Postgres(url) = database {
        config.database_url = Some(url.clone());
    }
    config
}

/// The test's own handle on the server's store (SQLite or PostgreSQL), for
/// what the API cannot do: an invite already expired, an old session.
pub async fn store_of(database: &Database) -> std::sync::Arc<dyn qinglian_server::store::Store> {
    database
        .open(qinglian_server::store::sqlite_busy_timeout())
        .await
        .unwrap()
}

/// Runs one SQL statement with its values written in (test data only) on
/// the server's database, whichever it is; returns the rows changed.
pub async fn execute(database: &Database, sql: &str) -> u64 {
    use sqlx::Connection;
    match database {
        Database::Sqlite(dir) => {
            let path = qinglian_server::admin::database_path(dir);
            let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query(sql)
                .execute(&mut db)
                .await
                .unwrap()
                .rows_affected()
        }
        Database::Postgres(url) => {
            let mut db = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql)
                .execute(&mut db)
                .await
                .unwrap()
                .rows_affected()
        }
    }
}

/// The single number a query such as `SELECT COUNT(*) …` gives.
pub async fn count(database: &Database, sql: &str) -> i64 {
    use sqlx::Connection;
    match database {
        Database::Sqlite(dir) => {
            let path = qinglian_server::admin::database_path(dir);
            let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
        }
        Database::Postgres(url) => {
            let mut db = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
        }
    }
}

/// A running server with its own directories and a bootstrapped administrator.
pub struct TestApp {
    pub base: String,
    /// Where it keeps its data (SQLite in `data`, or PostgreSQL).
    pub database: Database,
    pub data: tempfile::TempDir,
    pub dist: tempfile::TempDir,
    /// Both editions, as served.
    pub editions: Editions,
    /// The primary edition: ids, tracks and the pledge are the same in all.
    pub pack: Pack,
}

/// Boots a server in this test's runtime.
pub async fn boot() -> TestApp {
    boot_with(|_| {}).await
}

/// Boots a server with a configuration changed by `adjust`.
pub async fn boot_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("qinglian_server=warn")
        .with_test_writer()
        .try_init();
    let editions = fixture_pack();
    let dist = static_dir(&editions);
    let pack = editions.packs[0].clone();
    let data = tempfile::tempdir().unwrap();
    let database = fresh_database(data.path()).await;
    qinglian_server::admin::create_admin(
        &database,
        ADMIN_LOGIN,
        "The Administrator",
        ADMIN_PASSWORD,
    )
    .await
    .unwrap();
    let mut config = config_on(&database, data.path(), dist.path());
    adjust(&mut config);
    let addr = qinglian_server::spawn(config).await.unwrap();
    let base = format!("http://{addr}");
    TestApp {
        base,
        database,
        data,
        dist,
        editions,
        pack,
    }
}

/// Starts a(nother) server on this database and build; returns its base URL.
pub async fn start(database: &Database, data: &Path, dist: &Path) -> String {
    let config = config_on(database, data, dist);
    let addr = qinglian_server::spawn(config).await.unwrap();
    format!("http://{addr}")
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {:?} {}", self.status, self.text))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    /// The `error` of a JSON error body; panics on anything else.
    pub fn error(&self) -> String {
        assert!(
            self.header("content-type").starts_with("application/json"),
            "{:?}: {}",
            self.status,
            self.text
        );
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {}", self.text))
            .to_owned()
    }

    /// Asserts the status, with the body in the message when it is not.
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        self
    }
}

/// A browser: keeps the session cookie like the app's fetch does.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            cookie: None,
        }
    }

    pub async fn send(&mut self, method: Method, path: &str, body: Option<Vec<u8>>) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        self.finish(request).await
    }

    pub async fn finish(&mut self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the server answers");
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (_, value) = pair.split_once('=').unwrap();
            self.cookie = (!value.is_empty()).then(|| pair.to_owned());
        }
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(serde_json::to_vec(&body).unwrap()))
            .await
    }

    pub async fn put(&mut self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(serde_json::to_vec(&body).unwrap()))
            .await
    }

    pub async fn post_raw(&mut self, path: &str, body: &[u8]) -> Reply {
        self.send(Method::POST, path, Some(body.to_vec())).await
    }

    pub async fn push(&mut self, device: &str, events: &[Event]) -> Reply {
        self.post(
            "/api/v1/sync/push",
            json!({ "device": device, "events": events }),
        )
        .await
    }
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    pub async fn login(&self, login: &str, password: &str) -> Browser {
        let mut browser = self.browser();
        browser
            .post(
                "/api/v1/auth/login",
                json!({ "login": login, "password": password }),
            )
            .await
            .expect(200);
        browser
    }

    pub async fn admin(&self) -> Browser {
        self.login(ADMIN_LOGIN, ADMIN_PASSWORD).await
    }

    pub async fn unit(&self, admin: &mut Browser, name: &str, parent: Option<i64>) -> i64 {
        let reply = admin
            .post(
                "/api/v1/admin/units",
                json!({ "name": name, "parent_id": parent }),
            )
            .await
            .expect(201);
        reply.json()["unit"]["id"].as_i64().unwrap()
    }

    pub async fn invite(&self, admin: &mut Browser, unit: i64, role: &str, uses: u32) -> String {
        let reply = admin
            .post(
                "/api/v1/admin/invites",
                json!({ "unit_id": unit, "role": role, "max_uses": uses, "expires_in_days": 7 }),
            )
            .await
            .expect(201);
        reply.json()["code"].as_str().unwrap().to_owned()
    }

    /// Joins with a fresh single-use invite; returns the signed-in browser.
    pub async fn member(&self, admin: &mut Browser, unit: i64, role: &str, login: &str) -> Browser {
        self.member_named(admin, unit, role, login, &login.to_uppercase())
            .await
    }

    /// Joins with a fresh single-use invite and this display name.
    pub async fn member_named(
        &self,
        admin: &mut Browser,
        unit: i64,
        role: &str,
        login: &str,
        display_name: &str,
    ) -> Browser {
        let code = self.invite(admin, unit, role, 1).await;
        let mut browser = self.browser();
        browser
            .post(
                "/api/v1/auth/join",
                json!({ "invite_code": code, "login": login, "display_name": display_name, "password": PASSWORD }),
            )
            .await
            .expect(201);
        browser
    }
}

/// Study-time events of one device, seqs `from..=to`.
pub fn events(device: &str, from: u64, to: u64) -> Vec<Event> {
    (from..=to)
        .map(|seq| Event {
            id: format!("{device}-e{seq}"),
            device: device.to_owned(),
            seq,
            at: 1_700_000_000_000 + seq as i64 * 1000,
            kind: EventKind::StudyTime { seconds: 60 },
        })
        .collect()
}

/// The real binary, as built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_qinglian-server");

/// A server process; killed when dropped (if still running). Its standard
/// output (the log) is collected in `log`.
pub struct Process {
    pub child: std::process::Child,
    pub base: String,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Process {
    /// The peak memory of the process so far (VmHWM), in kB.
    pub fn peak_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }

    /// The log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary serving `data` and `dist` with these extra arguments
/// and environment; returns once it listens.
pub fn serve_binary(data: &Path, dist: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
    use std::io::BufRead;
    let mut command = std::process::Command::new(BIN);
    command
        .args(["--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .arg("--static")
        .arg(dist)
        .args(args)
        .env_remove("QINGLIAN_FAULT_ABORT_AFTER_COMMIT")
        .env("RUST_LOG", "qinglian_server=info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the server starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let base = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        log.lock().unwrap().push(line.clone());
        if let Some(base) = line.trim().strip_prefix("listening on ") {
            break base.to_owned();
        }
    };
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    Process { child, base, log }
}

/// `admin create-admin` on the binary with this password.
pub fn create_admin_binary(data: &Path, login: &str, password: &str) {
    let output = std::process::Command::new(BIN)
        .args(["admin", "create-admin", "--data"])
        .arg(data)
        .args(["--login", login, "--name", "Administrator"])
        .env("QINGLIAN_ADMIN_PASSWORD", password)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// Signs in on a fresh browser (200 expected); the browser and the answer.
pub async fn signed_in(base: &str, login: &str, password: &str) -> (Browser, Value) {
    let mut browser = Browser::new(base);
    let reply = browser
        .post(
            "/api/v1/auth/login",
            json!({ "login": login, "password": password }),
        )
        .await
        .expect(200)
        .json();
    (browser, reply)
}
