//! The real binary: `--help`, the administrator bootstrap, and a crash right
//! after a push is committed (before the answer) followed by a restart and a
//! retry of the same push: every event is stored exactly once.

mod common;

use common::BIN;
use common::{events, Browser, ADMIN_PASSWORD, PASSWORD};
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn serve(data: &Path, dist: &Path, fault: bool) -> common::Process {
    let env: &[(&str, &str)] = if fault {
        &[("QINGLIAN_FAULT_ABORT_AFTER_COMMIT", "1")]
    } else {
        &[]
    };
    common::serve_binary(data, dist, &[], env)
}

fn create_admin(data: &Path, login: &str, password: Option<&str>) -> std::process::Output {
    let mut command = Command::new(BIN);
    command
        .args(["admin", "create-admin", "--data"])
        .arg(data)
        .args(["--login", login, "--name", "Bureau Administrator"]);
    match password {
        Some(password) => command.env("QINGLIAN_ADMIN_PASSWORD", password),
        None => command.env_remove("QINGLIAN_ADMIN_PASSWORD"),
    };
    command.output().unwrap()
}

#[test]
fn help_explains_every_flag() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--addr",
        "--data",
        "--static",
        "--public-url",
        "--trusted-proxy",
        "serve",
        "admin",
    ] {
        assert!(help.contains(flag), "{flag} in:\n{help}");
    }
    let output = Command::new(BIN)
        .args(["admin", "create-admin", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in ["--data", "--login", "--name", "QINGLIAN_ADMIN_PASSWORD"] {
        assert!(help.contains(flag), "{flag} in:\n{help}");
    }
}

#[tokio::test]
async fn the_first_administrator_is_created_from_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let dist = common::static_dir(&common::fixture_pack());

    let given = create_admin(data.path(), "chief", Some(ADMIN_PASSWORD));
    assert!(given.status.success(), "{given:?}");
    let out = String::from_utf8(given.stdout).unwrap();
    assert!(out.contains("created administrator chief"), "{out}");
    assert!(
        !out.contains(ADMIN_PASSWORD),
        "a given password is not echoed"
    );

    let generated = create_admin(data.path(), "deputy", None);
    assert!(generated.status.success(), "{generated:?}");
    let out = String::from_utf8(generated.stdout).unwrap();
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown only now; write it down): "))
        .unwrap_or_else(|| panic!("no password in {out}"))
        .to_owned();
    assert!(password.len() >= 16);

    let again = create_admin(data.path(), "chief", Some(ADMIN_PASSWORD));
    assert!(!again.status.success());
    assert!(String::from_utf8(again.stderr)
        .unwrap()
        .contains("already taken"));
    let short = create_admin(data.path(), "third", Some("short"));
    assert!(!short.status.success());

    let server = serve(data.path(), dist.path(), false);
    for (login, password) in [("chief", ADMIN_PASSWORD), ("deputy", password.as_str())] {
        let (_, me) = common::signed_in(&server.base, login, password).await;
        assert_eq!(me["user"]["role"], "admin");
    }
}

#[cfg(any(debug_assertions, feature = "fault-injection"))]
#[tokio::test]
async fn a_crash_after_commit_loses_nothing_and_stores_nothing_twice() {
    let data = tempfile::tempdir().unwrap();
    let dist = common::static_dir(&common::fixture_pack());
    assert!(create_admin(data.path(), "admin", Some(ADMIN_PASSWORD))
        .status
        .success());

    // A server that dies right after committing the first push.
    let mut faulty = serve(data.path(), dist.path(), true);
    let mut admin = Browser::new(&faulty.base);
    admin
        .post(
            "/api/v1/auth/login",
            json!({ "login": "admin", "password": ADMIN_PASSWORD }),
        )
        .await
        .expect(200);
    let unit = admin
        .post("/api/v1/admin/units", json!({ "name": "Field office" }))
        .await
        .expect(201)
        .json()["unit"]["id"]
        .as_i64()
        .unwrap();
    let code = admin
        .post(
            "/api/v1/admin/invites",
            json!({ "unit_id": unit, "role": "learner", "max_uses": 1, "expires_in_days": 1 }),
        )
        .await
        .expect(201)
        .json()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut phone = Browser::new(&faulty.base);
    phone
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "field", "display_name": "Field", "password": PASSWORD }),
        )
        .await
        .expect(201);

    let batch = events("phone", 1, 40);
    let body = serde_json::to_vec(&json!({ "device": "phone", "events": batch })).unwrap();
    let request = phone
        .http
        .post(format!("{}/api/v1/sync/push", faulty.base))
        .header("content-type", "application/json")
        .header("cookie", phone.cookie.clone().unwrap())
        .body(body);
    let lost = request.send().await;
    assert!(lost.is_err(), "the answer never comes: {lost:?}");
    let status = faulty.child.wait().unwrap();
    assert!(!status.success(), "the server died: {status:?}");

    // Restarted without the fault, on the same data. The phone's session
    // survived the crash too.
    let server = serve(data.path(), dist.path(), false);
    phone.base = server.base.clone();
    let retry = phone.push("phone", &batch).await.expect(200).json();
    assert_eq!(
        retry,
        json!({ "acknowledged_seq": 40, "stored": 0, "duplicates": 40 })
    );
    let page = phone
        .get("/api/v1/sync/pull?device=laptop&limit=1000")
        .await
        .expect(200)
        .json();
    let held: Vec<qinglian_core::events::Event> =
        serde_json::from_value(page["events"].clone()).unwrap();
    assert_eq!(held, batch, "every event, once, in order");
    // And the device goes on from there.
    let next = phone
        .push("phone", &events("phone", 41, 42))
        .await
        .expect(200)
        .json();
    assert_eq!(next["acknowledged_seq"], 42);
}
