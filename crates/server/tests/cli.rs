//! `qinglian-server admin …` on the real binary: units, invites, accounts,
//! roster import, publishing, backup and restore; bad input changes nothing.

mod common;

use common::{signed_in, Browser, ADMIN_LOGIN, ADMIN_PASSWORD, BIN, PASSWORD};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `qinglian-server admin <args> --data <data>`.
fn admin(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("admin")
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

fn ok(output: Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn refused(output: Output) -> String {
    assert!(!output.status.success(), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

fn setup() -> (tempfile::TempDir, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let dist = common::static_dir(&common::fixture_pack());
    common::create_admin_binary(data.path(), ADMIN_LOGIN, ADMIN_PASSWORD);
    (data, dist)
}

#[tokio::test]
async fn units_invites_and_accounts_from_the_command_line() {
    let (data, dist) = setup();
    let data = data.path();
    assert!(ok(admin(data, &["unit", "add", "--name", "Bureau"])).contains("added unit 1 Bureau"));
    let out = ok(admin(
        data,
        &[
            "unit",
            "add",
            "--name",
            "Legal Aid Centre",
            "--parent",
            "Bureau",
        ],
    ));
    assert!(out.contains("Bureau/Legal Aid Centre"), "{out}");
    let list = ok(admin(data, &["unit", "list"]));
    assert!(list.contains("2\tBureau/Legal Aid Centre\t0\t-"), "{list}");
    // Bad input: a clear message, nothing changed.
    assert!(refused(admin(data, &["unit", "add", "--name", "A/B"])).contains("'/'"));
    assert!(refused(admin(
        data,
        &["unit", "add", "--name", "X", "--parent", "Nowhere"]
    ))
    .contains("no unit"));
    assert_eq!(ok(admin(data, &["unit", "list"])).lines().count(), 3);

    let out = ok(admin(
        data,
        &[
            "invite",
            "create",
            "--unit",
            "Bureau/Legal Aid Centre",
            "--role",
            "leader",
            "--max-uses",
            "2",
        ],
    ));
    let code = out
        .split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert!(
        out.contains(&format!("join link: /join?code={code}")),
        "{out}"
    );
    assert!(refused(admin(
        data,
        &["invite", "create", "--unit", "1", "--role", "admin"]
    ))
    .contains("invites are for"));
    assert!(refused(admin(
        data,
        &["invite", "create", "--unit", "1", "--max-uses", "0"]
    ))
    .contains("max_uses"));
    let list = ok(admin(data, &["invite", "list"]));
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.contains(&format!("{code}\tLegal Aid Centre\tleader\tactive\t2\t")),
        "{list}"
    );

    let server = common::serve_binary(data, dist.path(), &[], &[]);
    let mut newcomer = Browser::new(&server.base);
    newcomer
        .post(
            "/api/v1/auth/join",
            json!({ "invite_code": code, "login": "zhao.lei", "display_name": "Zhao Lei", "password": PASSWORD }),
        )
        .await
        .expect(201);
    let out = ok(admin(data, &["invite", "revoke", &code]));
    assert!(
        out.contains("revoked invite") && out.contains("1 of 2 uses"),
        "{out}"
    );
    assert!(ok(admin(data, &["invite", "list"])).contains("\trevoked\t"));
    assert!(refused(admin(data, &["invite", "revoke", "NOSUCHCODE"])).contains("no invite"));

    let list = ok(admin(data, &["user", "list", "--search", "zhao"]));
    assert!(
        list.contains("zhao.lei\tZhao Lei\tleader\tLegal Aid Centre\tactive"),
        "{list}"
    );
    let out = ok(admin(data, &["user", "disable", "zhao.lei"]));
    assert!(out.contains("disabled zhao.lei"), "{out}");
    newcomer.get("/api/v1/auth/me").await.expect(401);
    assert!(ok(admin(data, &["user", "list", "--disabled"])).contains("zhao.lei"));
    ok(admin(data, &["user", "enable", "zhao.lei"]));
    assert!(refused(admin(data, &["user", "disable", "nobody"])).contains("no account"));
    let out = ok(admin(data, &["user", "reset-password", "ZHAO.LEI"]));
    let one_time = out
        .lines()
        .find_map(|l| l.rsplit_once("): ").map(|(_, p)| p.to_owned()))
        .unwrap_or_else(|| panic!("{out}"));
    let (_, reply) = signed_in(&server.base, "zhao.lei", &one_time).await;
    assert_eq!(reply["must_change_password"], true);

    // Every action is in the audit log, by "cli".
    let (mut chief, _) = signed_in(&server.base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let log = chief
        .get("/api/v1/admin/audit?actor=cli&limit=500")
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "user.create_admin",
        "unit.create",
        "invite.create",
        "invite.revoke",
        "user.disable",
        "user.enable",
        "user.reset_password",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn a_roster_and_a_content_pack_from_files() {
    let (data, dist) = setup();
    let data = data.path();
    ok(admin(data, &["unit", "add", "--name", "Bureau"]));
    let roster = data.join("roster.csv");
    std::fs::write(
        &roster,
        "name,login,unit,role\nWang Fang,wang.fang,Bureau,learner\nNo Unit,no.unit,Elsewhere,learner\n",
    )
    .unwrap();
    let out = ok(admin(
        data,
        &["import", "--dry-run", roster.to_str().unwrap()],
    ));
    assert!(
        out.contains("1 ok, 1 with errors; nothing was created"),
        "{out}"
    );
    assert!(!ok(admin(data, &["user", "list"])).contains("wang.fang"));
    let out = ok(admin(data, &["import", roster.to_str().unwrap()]));
    assert!(out.contains("line 3: no.unit: no unit"), "{out}");
    let one_time = out
        .lines()
        .find_map(|l| {
            l.split_once("one-time password: ")
                .map(|(_, p)| p.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("{out}"));
    // Only bad rows: an error, nothing created.
    let bad = data.join("bad.csv");
    std::fs::write(&bad, "Someone,some.one,Nowhere,learner\n").unwrap();
    refused(admin(data, &["import", bad.to_str().unwrap()]));
    assert!(!ok(admin(data, &["user", "list"])).contains("some.one"));
    assert!(refused(admin(data, &["import", "/no/such/file.csv"])).contains("cannot read"));

    let server = common::serve_binary(data, dist.path(), &[], &[]);
    let (_, reply) = signed_in(&server.base, "wang.fang", &one_time).await;
    assert_eq!(reply["must_change_password"], true);

    // Publishing while the server runs: it serves the pack within seconds.
    let mut packs = common::fixture_pack().packs;
    for pack in &mut packs {
        pack.lessons[0].title = "Published from the command line".into();
    }
    let next = qinglian_core::content::Editions::seal(packs);
    // As `cargo xtask content --export` writes it: one file per edition.
    let export = data.join("export");
    std::fs::create_dir_all(&export).unwrap();
    for pack in &next.packs {
        std::fs::write(
            export.join(format!("pack.{}.json", pack.lang.tag())),
            serde_json::to_vec(pack).unwrap(),
        )
        .unwrap();
    }
    let out = ok(admin(data, &["publish", export.to_str().unwrap()]));
    assert!(out.contains(&next.version), "{out}");
    let mut anyone = Browser::new(&server.base);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let version = anyone
            .get("/api/v1/content/version")
            .await
            .expect(200)
            .json();
        if version["version"] == next.version {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not pick up the pack"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // A broken upload file (as for the API): refused, with its problems.
    let mut broken = next.clone();
    broken.packs[1].lessons[0].quiz.clear();
    let file = data.join("editions.json");
    std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let err = refused(admin(data, &["publish", file.to_str().unwrap()]));
    assert!(
        err.contains("nothing was published") && err.contains("\n  - "),
        "{err}"
    );
    // A content folder with a mistake: refused with its file and line.
    let content = data.join("content");
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/content");
    for lang in ["zh-Hans", "en"] {
        for kind in ["lessons", "scenarios", "risks"] {
            let dir = content.join(lang).join(kind);
            std::fs::create_dir_all(&dir).unwrap();
            for entry in std::fs::read_dir(fixtures.join(lang).join(kind)).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
            }
        }
        std::fs::copy(
            fixtures.join(lang).join("pledge.toml"),
            content.join(lang).join("pledge.toml"),
        )
        .unwrap();
    }
    let lesson = content.join("en/lessons/fx-gifts.md");
    let text = std::fs::read_to_string(&lesson).unwrap();
    std::fs::write(
        &lesson,
        text.replacen("correct = true", "correct = false", 1),
    )
    .unwrap();
    let err = refused(admin(data, &["publish", content.to_str().unwrap()]));
    assert!(
        err.contains("fx-gifts.md:") && err.contains("nothing was published"),
        "{err}"
    );
    let (mut chief, _) = signed_in(&server.base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let history = chief
        .get("/api/v1/admin/content/history")
        .await
        .expect(200)
        .json();
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);
    assert_eq!(
        history["versions"][0]["published_by"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn backup_while_serving_and_restore_only_when_stopped() {
    let (data, dist) = setup();
    let data = data.path();
    ok(admin(data, &["unit", "add", "--name", "Bureau"]));
    let server = common::serve_binary(data, dist.path(), &[], &[]);
    let (mut chief, _) = signed_in(&server.base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    chief
        .push("chief-phone", &common::events("chief-phone", 1, 30))
        .await
        .expect(200);

    let backup = data.join("backup.db");
    let out = ok(admin(data, &["backup", backup.to_str().unwrap()]));
    assert!(out.contains("backed up"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(refused(admin(data, &["backup", backup.to_str().unwrap()])).contains("exists already"));
    // Changes after the backup.
    ok(admin(data, &["unit", "add", "--name", "After the backup"]));
    let err = refused(admin(data, &["restore", backup.to_str().unwrap()]));
    assert!(
        err.contains("a server is using") && err.contains("stop it first"),
        "{err}"
    );
    drop(server);

    // Not a database, or not ours: refused, nothing changed.
    let text = data.join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    assert!(refused(admin(data, &["restore", text.to_str().unwrap()]))
        .contains("not a Qinglian database"));
    assert!(ok(admin(data, &["unit", "list"])).contains("After the backup"));

    // A backup from a newer server version: refused before anything changes.
    let newer = data.join("newer.db");
    std::fs::copy(&backup, &newer).unwrap();
    {
        use sqlx::Connection;
        let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", newer.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (9999, 'from the future', 1, x'00', 0)",
        )
        .execute(&mut db)
        .await
        .unwrap();
        db.close().await.unwrap();
    }
    assert!(refused(admin(data, &["restore", newer.to_str().unwrap()]))
        .contains("newer qinglian-server"));
    assert!(ok(admin(data, &["unit", "list"])).contains("After the backup"));

    let out = ok(admin(data, &["restore", backup.to_str().unwrap()]));
    assert!(
        out.contains("restored") && out.contains("before-restore-"),
        "{out}"
    );
    assert!(!ok(admin(data, &["unit", "list"])).contains("After the backup"));

    let server = common::serve_binary(data, dist.path(), &[], &[]);
    let (mut chief, _) = signed_in(&server.base, ADMIN_LOGIN, ADMIN_PASSWORD).await;
    let page = chief
        .get("/api/v1/sync/pull?device=other&limit=1000")
        .await
        .expect(200)
        .json();
    assert_eq!(page["events"].as_array().unwrap().len(), 30);
    let log = chief
        .get("/api/v1/admin/audit?action=restore")
        .await
        .expect(200)
        .json();
    assert_eq!(log["entries"][0]["actor"], "cli");
}

#[test]
fn every_admin_command_explains_itself() {
    let output = Command::new(BIN)
        .args(["admin", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for command in [
        "create-admin",
        "unit",
        "invite",
        "user",
        "import",
        "publish",
        "backup",
        "restore",
    ] {
        assert!(help.contains(command), "{command} in:\n{help}");
    }
}
