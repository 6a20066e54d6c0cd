//! The PostgreSQL store against the SQLite one, below the API: the same
//! calls give the same answers (a script run on both, compared line by
//! line), and what several servers sharing one database do at once stays
//! right (the same batch pushed twice at once is stored once, an invite's
//! uses are counted, pull cursors never skip an event).
//!
//! PostgreSQL only (ignored otherwise, so never counted as passed): run with
//! `QINGLIAN_TEST_POSTGRES` naming a PostgreSQL server
//! (`postgres://user@host:port/db`) where it may create databases, and
//! `-- --include-ignored`. Each test creates its own database and drops it.

// The progress summaries against the queries over the events, on both
// stores (its SQLite test runs in the SQLite run too).
#[path = "progress/summaries.rs"]
mod summaries;

use qinglian_core::events::{Event, EventKind};
use qinglian_core::sync::Role;
use qinglian_server::store::{
    Actor, Audit, AuditQuery, NewAccount, NewInvite, NewPassword, PgStore, RosterAccount,
    SqliteStore, Store, StoreError, UserFilter,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const T0: i64 = 1_700_000_000_000;

/// A fresh database on the test server, dropped when the test ends.
struct TestDb {
    server: String,
    name: String,
    url: String,
}

impl TestDb {
    async fn create() -> TestDb {
        use sqlx::Connection;
        let server = std::env::var("QINGLIAN_TEST_POSTGRES")
            .expect("set QINGLIAN_TEST_POSTGRES to a PostgreSQL server");
        let name = format!("store_test_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let (base, _) = server.rsplit_once('/').expect("a URL with a database");
        let url = format!("{base}/{name}");
        TestDb { server, name, url }
    }

    async fn open(&self) -> PgStore {
        PgStore::open(&self.url, Duration::from_secs(10))
            .await
            .unwrap()
    }

    async fn drop_it(self) {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&self.server).await.unwrap();
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
}

fn account(login: &str, name: &str) -> NewAccount {
    NewAccount {
        login: login.to_owned(),
        display_name: name.to_owned(),
        password_hash: format!("hash-of-{login}"),
    }
}

fn admin_actor(id: i64) -> Actor {
    Actor {
        user_id: Some(id),
        name: "root".to_owned(),
        client_addr: Some("192.0.2.1".to_owned()),
    }
}

fn event(device: &str, seq: u64, at: i64, kind: EventKind) -> Event {
    Event {
        id: format!("{device}-e{seq}"),
        device: device.to_owned(),
        seq,
        at,
        kind,
    }
}

fn study(device: &str, from: u64, to: u64) -> Vec<Event> {
    (from..=to)
        .map(|seq| {
            event(
                device,
                seq,
                T0 + seq as i64 * 1000,
                EventKind::StudyTime { seconds: 60 },
            )
        })
        .collect()
}

/// Every call a server makes of the store (but backups), with answers and
/// refusals alike written down, one line each.
async fn script(store: &dyn Store) -> Vec<String> {
    let mut log = Vec::new();
    macro_rules! note {
        ($what:expr, $value:expr) => {
            log.push(format!("{}: {:?}", $what, $value))
        };
    }
    let cli = Actor::cli();
    let root = store
        .create_admin(account("root", "Root"), T0, &cli)
        .await
        .unwrap();
    note!("admin", root);
    note!(
        "admin again",
        store.create_admin(account("root", "Other"), T0, &cli).await
    );
    let actor = admin_actor(root.id);

    // Units: the tree, sibling names, cycles, archiving.
    let bureau = store.create_unit("Bureau", None, T0, &actor).await.unwrap();
    let legal = store
        .create_unit("Legal", Some(bureau.id), T0 + 1, &actor)
        .await
        .unwrap();
    let audit = store
        .create_unit("Audit", Some(bureau.id), T0 + 2, &actor)
        .await
        .unwrap();
    note!(
        "clash",
        store
            .create_unit("Legal", Some(bureau.id), T0, &actor)
            .await
    );
    note!(
        "top clash",
        store.create_unit("Bureau", None, T0, &actor).await
    );
    note!(
        "no parent",
        store.create_unit("X", Some(999), T0, &actor).await
    );
    note!(
        "cycle",
        store
            .change_unit(bureau.id, None, Some(Some(legal.id)), T0, &actor)
            .await
    );
    note!(
        "self parent",
        store
            .change_unit(legal.id, None, Some(Some(legal.id)), T0, &actor)
            .await
    );
    note!(
        "rename clash",
        store
            .change_unit(legal.id, Some("Audit"), None, T0, &actor)
            .await
    );
    let sub = store
        .create_unit("Legal", Some(legal.id), T0 + 3, &actor)
        .await
        .unwrap();
    // Moved next to its namesake and renamed in one change.
    note!(
        "move and rename",
        store
            .change_unit(sub.id, Some("Aid"), Some(Some(bureau.id)), T0 + 4, &actor)
            .await
    );
    note!(
        "move to top",
        store
            .change_unit(audit.id, None, Some(None), T0 + 5, &actor)
            .await
    );
    note!(
        "archive non-empty",
        store.archive_unit(bureau.id, T0 + 6, &actor).await
    );
    let spare = store
        .create_unit("Spare", Some(legal.id), T0 + 7, &actor)
        .await
        .unwrap();
    let spare_invite = store
        .create_invite(
            NewInvite {
                code: "SPARE".into(),
                unit_id: spare.id,
                role: Role::Learner,
                max_uses: 3,
                expires_at: T0 + 1_000_000,
                created_by: Some(root.id),
            },
            T0 + 8,
            &actor,
        )
        .await
        .unwrap();
    note!("spare invite", spare_invite);
    note!(
        "archive",
        store.archive_unit(spare.id, T0 + 9, &actor).await
    );
    note!(
        "archive again",
        store.archive_unit(spare.id, T0 + 9, &actor).await
    );
    note!(
        "under archived",
        store.create_unit("Y", Some(spare.id), T0, &actor).await
    );
    note!(
        "same name as archived",
        store
            .create_unit("Spare", Some(legal.id), T0 + 10, &actor)
            .await
    );
    note!(
        "rename archived",
        store
            .change_unit(spare.id, Some("Z"), None, T0, &actor)
            .await
    );
    note!(
        "unknown unit",
        store.change_unit(999, Some("Z"), None, T0, &actor).await
    );

    // Invites and joining.
    let mut codes = Vec::new();
    for (code, max_uses, expires_at) in [("ONE", 1, T0 + 1_000_000), ("OLD", 5, T0 + 100)] {
        let invite = store
            .create_invite(
                NewInvite {
                    code: code.into(),
                    unit_id: legal.id,
                    role: Role::Learner,
                    max_uses,
                    expires_at,
                    created_by: Some(root.id),
                },
                T0 + 11,
                &actor,
            )
            .await
            .unwrap();
        codes.push(invite.code);
    }
    let leaders = store
        .create_invite(
            NewInvite {
                code: "LEAD".into(),
                unit_id: bureau.id,
                role: Role::Leader,
                max_uses: 10,
                expires_at: T0 + 1_000_000,
                created_by: None,
            },
            T0 + 12,
            &cli,
        )
        .await
        .unwrap();
    note!(
        "invite into archived",
        store
            .create_invite(
                NewInvite {
                    code: "NOPE".into(),
                    unit_id: spare.id,
                    role: Role::Learner,
                    max_uses: 1,
                    expires_at: T0 + 1_000_000,
                    created_by: None,
                },
                T0,
                &actor,
            )
            .await
    );
    note!(
        "join",
        store.join("ONE", account("ana", "ana Lima"), T0 + 20).await
    );
    note!(
        "join used up",
        store.join("ONE", account("bo", "Bo"), T0 + 21).await
    );
    note!(
        "join expired",
        store.join("OLD", account("bo", "Bo"), T0 + 200).await
    );
    note!(
        "join revoked",
        store.join("SPARE", account("bo", "Bo"), T0 + 21).await
    );
    note!(
        "join unknown",
        store.join("WHAT", account("bo", "Bo"), T0 + 21).await
    );
    note!(
        "join taken",
        store.join("LEAD", account("ana", "Ana"), T0 + 21).await
    );
    for (login, name) in [
        ("bo", "Bo Chen"),
        ("Cleo", "cleo_x"),
        ("dan", "École%"),
        ("eve", "école 50%"),
        ("fay", "Zoë"),
    ] {
        note!(
            "join lead",
            store.join("LEAD", account(login, name), T0 + 22).await
        );
    }
    note!("revoke", store.revoke_invite("LEAD", T0 + 23, &actor).await);
    note!(
        "revoke again",
        store.revoke_invite("LEAD", T0 + 24, &actor).await
    );
    note!(
        "revoke unknown",
        store.revoke_invite("WHAT", T0 + 24, &actor).await
    );
    note!(
        "join after revoke",
        store.join("LEAD", account("gus", "Gus"), T0 + 25).await
    );
    note!("invites", store.invites().await);
    let _ = leaders;

    // Accounts.
    let roster = vec![
        RosterAccount {
            account: account("hal", "Hal"),
            role: Role::Learner,
            unit_id: audit.id,
            password_expires_at: T0 + 5000,
        },
        RosterAccount {
            account: account("bo", "Bo again"),
            role: Role::Learner,
            unit_id: audit.id,
            password_expires_at: T0 + 5000,
        },
        RosterAccount {
            account: account("hal", "Hal twice"),
            role: Role::Learner,
            unit_id: audit.id,
            password_expires_at: T0 + 5000,
        },
        RosterAccount {
            account: account("ivy", "ivy"),
            role: Role::Leader,
            unit_id: audit.id,
            password_expires_at: T0 + 5000,
        },
    ];
    note!("roster", store.import_roster(roster, T0 + 30, &actor).await);
    note!(
        "roster into archived",
        store
            .import_roster(
                vec![RosterAccount {
                    account: account("jo", "Jo"),
                    role: Role::Learner,
                    unit_id: spare.id,
                    password_expires_at: T0,
                }],
                T0 + 31,
                &actor,
            )
            .await
    );
    note!("users", store.users().await);
    let ana = store.user_by_login("ana").await.unwrap().unwrap();
    let bo = store.user_by_login("bo").await.unwrap().unwrap();
    note!("credentials", store.credentials("hal").await);
    note!("no credentials", store.credentials("nobody").await);
    note!("user", store.user(ana.user.id).await);
    note!("no user", store.user(999).await);
    note!("member counts", {
        let counts = store.member_counts().await.unwrap();
        counts.into_iter().collect::<BTreeMap<_, _>>()
    });
    for search in [
        None,
        Some("o"),
        Some("O"),
        Some("é"),
        Some("É"),
        Some("ÉCOLE"),
        Some("%"),
        Some("_"),
        Some("\\"),
        Some("cleo"),
    ] {
        for (limit, offset) in [(100, 0), (2, 1)] {
            note!(
                format!("find {search:?} {limit} {offset}"),
                store
                    .find_users(&UserFilter {
                        search: search.map(str::to_owned),
                        limit,
                        offset,
                        ..UserFilter::default()
                    })
                    .await
            );
        }
    }
    note!(
        "find filtered",
        store
            .find_users(&UserFilter {
                unit_id: Some(bureau.id),
                role: Some(Role::Leader),
                disabled: Some(false),
                limit: 10,
                ..UserFilter::default()
            })
            .await
    );
    note!(
        "update",
        store
            .update_user(
                bo.user.id,
                Some(Role::Learner),
                Some(audit.id),
                T0 + 40,
                &actor
            )
            .await
    );
    note!(
        "update admin",
        store
            .update_user(root.id, Some(Role::Learner), None, T0 + 40, &actor)
            .await
    );
    note!(
        "make admin",
        store
            .update_user(bo.user.id, Some(Role::Admin), None, T0 + 40, &actor)
            .await
    );
    note!(
        "update into archived",
        store
            .update_user(bo.user.id, None, Some(spare.id), T0 + 40, &actor)
            .await
    );
    note!(
        "update unknown",
        store.update_user(999, None, None, T0 + 40, &actor).await
    );

    // Sessions.
    store
        .create_session(
            "tok-a1",
            ana.user.id,
            T0 + 50,
            Some("Firefox"),
            Some("192.0.2.7"),
        )
        .await
        .unwrap();
    store
        .create_session("tok-a2", ana.user.id, T0 + 51, None, None)
        .await
        .unwrap();
    store
        .create_session("tok-b1", bo.user.id, T0 + 52, None, None)
        .await
        .unwrap();
    note!(
        "session",
        store.session_user("tok-a1", T0 + 60, T0, T0).await
    );
    note!(
        "session touched",
        store.session_user("tok-a1", T0 + 400_000, T0, T0).await
    );
    note!("sessions", store.sessions_of(ana.user.id).await);
    note!(
        "session too old",
        store.session_user("tok-a2", T0 + 60, T0 + 51, T0).await
    );
    note!("sessions after", store.sessions_of(ana.user.id).await);
    note!("no session", store.session_user("nope", T0, T0, T0).await);
    note!(
        "set password",
        store
            .set_password(
                ana.user.id,
                NewPassword {
                    hash: "new-hash".into(),
                    must_change: true,
                    expires_at: Some(T0 + 9999),
                },
                Some(1),
                T0 + 70,
                Some(&actor),
            )
            .await
    );
    note!("sessions kept", store.sessions_of(ana.user.id).await);
    note!(
        "own password",
        store
            .set_password(
                ana.user.id,
                NewPassword {
                    hash: "newer-hash".into(),
                    must_change: false,
                    expires_at: None,
                },
                None,
                T0 + 71,
                None,
            )
            .await
    );
    note!("credentials after", store.credentials("ana").await);
    note!(
        "password unknown",
        store
            .set_password(
                999,
                NewPassword {
                    hash: "x".into(),
                    must_change: false,
                    expires_at: None,
                },
                None,
                T0,
                None,
            )
            .await
    );
    note!(
        "disable self",
        store.set_disabled(root.id, true, T0 + 80, &actor).await
    );
    note!(
        "disable",
        store.set_disabled(bo.user.id, true, T0 + 81, &actor).await
    );
    note!(
        "disable again",
        store.set_disabled(bo.user.id, true, T0 + 82, &actor).await
    );
    note!("sessions of disabled", store.sessions_of(bo.user.id).await);
    note!(
        "find disabled",
        store
            .find_users(&UserFilter {
                disabled: Some(true),
                limit: 10,
                ..UserFilter::default()
            })
            .await
    );
    note!(
        "enable",
        store.set_disabled(bo.user.id, false, T0 + 83, &actor).await
    );
    store
        .create_session("tok-b2", bo.user.id, T0 + 84, None, None)
        .await
        .unwrap();
    note!(
        "delete other's",
        store.delete_session_of(ana.user.id, 99).await
    );
    let sessions = store.sessions_of(bo.user.id).await.unwrap();
    note!(
        "delete own",
        store.delete_session_of(bo.user.id, sessions[0].id).await
    );
    store
        .create_session("tok-c1", bo.user.id, T0 + 85, None, None)
        .await
        .unwrap();
    note!("purge", store.purge_sessions(T0 + 84, T0 + 50).await);
    note!("delete", store.delete_session("tok-c1").await);
    note!("sessions at end", store.sessions_of(bo.user.id).await);

    // Sync.
    let a = ana.user.id;
    note!(
        "push",
        store.push(a, "d1", &study("d1", 1, 3), T0 + 100, 100).await
    );
    note!(
        "again",
        store.push(a, "d1", &study("d1", 1, 3), T0 + 101, 100).await
    );
    let mut twisted = study("d1", 2, 5);
    twisted[0].at += 1; // same id, another payload: a conflict
    twisted.reverse(); // stored in seq order all the same
    note!(
        "conflict",
        store.push(a, "d1", &twisted, T0 + 102, 100).await
    );
    note!(
        "gap",
        store.push(a, "d1", &study("d1", 7, 8), T0 + 103, 100).await
    );
    let mut jump = study("d1", 6, 6);
    jump.extend(study("d1", 8, 9));
    note!("jump", store.push(a, "d1", &jump, T0 + 104, 100).await);
    // A new id for a used seq, then the rest.
    let mut reused = study("d1", 6, 7);
    reused[0].id = "fresh-id".into();
    reused.insert(0, event("d1", 3, T0, EventKind::StudyTime { seconds: 1 }));
    reused[0].id = "another-fresh-id".into();
    note!(
        "reused seq",
        store.push(a, "d1", &reused, T0 + 105, 100).await
    );
    note!("empty", store.push(a, "d1", &[], T0 + 106, 100).await);
    note!(
        "other's device",
        store
            .push(bo.user.id, "d1", &study("d1", 8, 8), T0 + 107, 100)
            .await
    );
    note!(
        "too many",
        store.push(a, "d2", &study("d2", 1, 10), T0 + 108, 12).await
    );
    note!(
        "too many, duplicates only",
        store.push(a, "d1", &study("d1", 1, 3), T0 + 109, 1).await
    );
    // The id of ana's event from another account's device: a conflict.
    let mut stolen = study("b1", 1, 1);
    stolen[0].id = "d1-e1".into();
    note!(
        "other's id",
        store.push(bo.user.id, "b1", &stolen, T0 + 110, 100).await
    );
    // Report material: lessons, quizzes (ties on at broken by device, then
    // seq), study time over several days, pledges, risk checks, voids.
    let day = 86_400_000;
    let lessons = vec![
        event(
            "d3",
            1,
            T0,
            EventKind::LessonDone {
                lesson: "l1".into(),
            },
        ),
        event(
            "d3",
            2,
            T0 + 5,
            EventKind::LessonDone {
                lesson: "l1".into(),
            },
        ),
        event(
            "d3",
            3,
            T0 + 9,
            EventKind::LessonDone {
                lesson: "l2".into(),
            },
        ),
        event(
            "d3",
            4,
            T0 + 10,
            EventKind::Void {
                target: "d3-e3".into(),
            },
        ),
        event(
            "d3",
            5,
            T0 + 20,
            EventKind::QuizFinished {
                lesson: "l1".into(),
                score: 3,
                total: 5,
            },
        ),
        event(
            "d3",
            6,
            T0 + 30,
            EventKind::QuizFinished {
                lesson: "l1".into(),
                score: 5,
                total: 5,
            },
        ),
        event(
            "d3",
            7,
            T0 + 40,
            EventKind::QuizFinished {
                lesson: "l1".into(),
                score: 4,
                total: 6,
            },
        ),
        event(
            "d3",
            8,
            T0 + 40,
            EventKind::QuizFinished {
                lesson: "l3".into(),
                score: 0,
                total: 0,
            },
        ),
        event("d3", 9, T0 + 2 * day, EventKind::StudyTime { seconds: 600 }),
        event(
            "d3",
            10,
            T0 + 2 * day + 1,
            EventKind::StudyTime { seconds: 30 },
        ),
        event("d3", 11, T0 + 3 * day, EventKind::StudyTime { seconds: 7 }),
        event(
            "d3",
            12,
            T0 + 3 * day,
            EventKind::Void {
                target: "d3-e11".into(),
            },
        ),
        event("d3", 13, T0, EventKind::PledgeAcknowledged { version: 2 }),
        event("d3", 14, T0, EventKind::PledgeAcknowledged { version: 2 }),
        event("d3", 15, T0, EventKind::PledgeAcknowledged { version: 3 }),
        event(
            "d3",
            16,
            T0,
            EventKind::RiskCheckCompleted {
                checklist: "c".into(),
            },
        ),
        event(
            "d3",
            17,
            T0,
            EventKind::ReflectionSaved {
                lesson: "l1".into(),
                text: "a \u{0} in it".into(),
            },
        ),
    ];
    note!(
        "lessons",
        store.push(a, "d3", &lessons, T0 + 111, 1000).await
    );
    let other_device = vec![event(
        "D3",
        1,
        T0 + 40,
        EventKind::QuizFinished {
            lesson: "l1".into(),
            score: 1,
            total: 6,
        },
    )];
    note!(
        "D3",
        store.push(a, "D3", &other_device, T0 + 112, 1000).await
    );
    let bo_events = vec![
        event(
            "b2",
            1,
            T0,
            EventKind::LessonDone {
                lesson: "l9".into(),
            },
        ),
        // Voids ana's event: another user's void counts for nothing.
        event(
            "b2",
            2,
            T0,
            EventKind::Void {
                target: "d3-e1".into(),
            },
        ),
    ];
    note!(
        "bo",
        store
            .push(bo.user.id, "b2", &bo_events, T0 + 113, 1000)
            .await
    );
    for (exclude, cursor, limit) in [(None, 0, 100), (Some("d1"), 0, 100), (None, 3, 2)] {
        let pulled = store.pull(a, exclude, cursor, limit).await.unwrap();
        note!(
            format!("pull {exclude:?} {cursor} {limit}"),
            pulled
                .iter()
                .map(|e| (e.order_id, e.payload.get().to_owned()))
                .collect::<Vec<_>>()
        );
    }
    note!("facts", {
        let facts = store.progress_facts(&[a, bo.user.id, 999]).await.unwrap();
        facts.into_iter().collect::<BTreeMap<_, _>>()
    });
    note!("no facts", store.progress_facts(&[]).await.unwrap().len());
    note!("last sync", store.user(a).await);

    // Content.
    note!("no pack", store.published_pack().await);
    note!("no pack id", store.latest_pack_id().await);
    for (version, rollback) in [("1", None), ("2", None), ("1", Some("1"))] {
        let pack = qinglian_server::store::StoredPack {
            version: version.into(),
            json: format!("{{\"version\":\"{version}\"}}"),
        };
        note!(
            "publish",
            store
                .publish_pack(&pack, &format!("v{version}"), rollback, T0 + 200, &actor)
                .await
        );
    }
    store
        .publish_pack(
            &qinglian_server::store::StoredPack {
                version: "3".into(),
                json: "{}".into(),
            },
            "by the command line",
            None,
            T0 + 201,
            &cli,
        )
        .await
        .unwrap();
    note!("pack", store.published_pack().await);
    note!("pack id", store.latest_pack_id().await);
    note!("history", store.pack_history().await);
    note!("version 1", store.pack_of_version("1").await);
    note!("version 9", store.pack_of_version("9").await);

    // The audit log.
    note!(
        "record",
        store
            .record(
                Audit {
                    actor: &actor,
                    action: "backup.create",
                    target: "backup x".into(),
                    details: json!({ "bytes": 12, "path": "/x" }),
                },
                T0 + 300,
            )
            .await
    );
    for query in [
        AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        },
        AuditQuery {
            actor: Some("cli".into()),
            limit: 1000,
            ..AuditQuery::default()
        },
        AuditQuery {
            action: Some("unit.move".into()),
            limit: 1000,
            ..AuditQuery::default()
        },
        AuditQuery {
            from: Some(T0 + 8),
            to: Some(T0 + 40),
            before: Some(20),
            limit: 5,
            ..AuditQuery::default()
        },
    ] {
        note!(format!("audit {query:?}"), store.audit_log(&query).await);
    }
    note!("units", store.units().await);
    log
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
async fn postgres_the_same_calls_give_the_same_answers_as_sqlite() {
    let db = TestDb::create().await;
    let pg = db.open().await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("qinglian.db"))
        .await
        .unwrap();
    let expected = script(&sqlite).await;
    let got = script(&pg).await;
    for (line, (want, have)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(have, want, "line {line} differs");
    }
    assert_eq!(got.len(), expected.len());
    // PostgreSQL is backed up with its own tools.
    match pg.backup_to(&dir.path().join("backup.db")).await {
        Err(StoreError::Refused(reason)) => assert!(reason.contains("pg_dump"), "{reason}"),
        other => panic!("{other:?}"),
    }
    pg.close().await;
    db.drop_it().await;
}

#[tokio::test]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
async fn postgres_a_lock_held_past_the_busy_timeout_answers_busy() {
    use sqlx::Connection;
    let db = TestDb::create().await;
    let store = PgStore::open(&db.url, Duration::from_millis(500))
        .await
        .unwrap();
    let user = store
        .create_admin(account("ana", "Ana"), T0, &Actor::cli())
        .await
        .unwrap();
    // Another process holds the unit tree and the account's row.
    let mut other = sqlx::PgConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("LOCK TABLE units IN ACCESS EXCLUSIVE MODE")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(user.id)
        .execute(&mut other)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let created = store.create_unit("A", None, T0, &Actor::cli()).await;
    assert!(matches!(created, Err(StoreError::Busy)), "{created:?}");
    let pushed = store.push(user.id, "d1", &study("d1", 1, 1), T0, 100).await;
    assert!(matches!(pushed, Err(StoreError::Busy)), "{pushed:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    store
        .create_unit("A", None, T0, &Actor::cli())
        .await
        .unwrap();
    store
        .push(user.id, "d1", &study("d1", 1, 1), T0, 100)
        .await
        .unwrap();
    other.close().await.unwrap();
    store.close().await;
    db.drop_it().await;
}

/// Two servers on one database.
async fn two_servers(db: &TestDb) -> (Arc<PgStore>, Arc<PgStore>) {
    (Arc::new(db.open().await), Arc::new(db.open().await))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
async fn postgres_the_same_batch_pushed_through_two_servers_at_once_is_stored_once() {
    let db = TestDb::create().await;
    let (one, two) = two_servers(&db).await;
    let user = one
        .create_admin(account("ana", "Ana"), T0, &Actor::cli())
        .await
        .unwrap();
    for round in 0..20u64 {
        let batch = study("d1", round * 10 + 1, round * 10 + 10);
        let (a, b) = tokio::join!(
            one.push(user.id, "d1", &batch, T0, 10_000),
            two.push(user.id, "d1", &batch, T0, 10_000)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.acknowledged_seq, round * 10 + 10);
        assert_eq!(b.acknowledged_seq, round * 10 + 10);
        assert_eq!((a.stored + b.stored, a.duplicates + b.duplicates), (10, 10));
        assert!(a.conflicts.is_empty() && b.conflicts.is_empty());
    }
    let all = one.pull(user.id, None, 0, 1000).await.unwrap();
    assert_eq!(all.len(), 200);
    close(one).await;
    close(two).await;
    db.drop_it().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
async fn postgres_a_pull_cursor_never_passes_an_event_still_to_commit() {
    let db = TestDb::create().await;
    let (one, two) = two_servers(&db).await;
    let user = one
        .create_admin(account("ana", "Ana"), T0, &Actor::cli())
        .await
        .unwrap();
    let pushers: Vec<_> = (0..4)
        .map(|n| {
            let store = if n % 2 == 0 { one.clone() } else { two.clone() };
            tokio::spawn(async move {
                let device = format!("dev{n}");
                for seq in 1..=40 {
                    let batch = study(&device, seq, seq);
                    store
                        .push(user.id, &device, &batch, T0, 10_000)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    // A device that pulls all along: its cursor must meet every event.
    let puller = {
        let store = two.clone();
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = Vec::new();
            for _ in 0..100_000 {
                let page = store.pull(user.id, None, cursor, 7).await.unwrap();
                if let Some(last) = page.last() {
                    cursor = last.order_id;
                }
                seen.extend(page.into_iter().map(|e| e.order_id));
                if seen.len() == 160 {
                    break;
                }
            }
            seen
        })
    };
    for pusher in pushers {
        pusher.await.unwrap();
    }
    let seen = puller.await.unwrap();
    assert_eq!(seen.len(), 160, "the puller missed events");
    close(one).await;
    close(two).await;
    db.drop_it().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
async fn postgres_concurrent_writers_keep_the_rules() {
    let db = TestDb::create().await;
    let (one, two) = two_servers(&db).await;
    let cli = Actor::cli();
    let root = one
        .create_admin(account("root", "Root"), T0, &cli)
        .await
        .unwrap();
    let actor = admin_actor(root.id);
    // One sibling name, created through both servers at once.
    for round in 0..10 {
        let name = format!("Unit {round}");
        let (a, b) = tokio::join!(
            one.create_unit(&name, None, T0, &actor),
            two.create_unit(&name, None, T0, &actor)
        );
        assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
        let refused = a.err().or(b.err()).unwrap();
        assert!(matches!(refused, StoreError::Refused(_)), "{refused:?}");
    }
    // Two units moved below each other at once: one move is refused.
    let units = one.units().await.unwrap();
    let (x, y) = (units[0].id, units[1].id);
    let (a, b) = tokio::join!(
        one.change_unit(x, None, Some(Some(y)), T0, &actor),
        two.change_unit(y, None, Some(Some(x)), T0, &actor)
    );
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    // An invite with three uses, joined ten times at once.
    let unit = units[2].id;
    one.create_invite(
        NewInvite {
            code: "THREE".into(),
            unit_id: unit,
            role: Role::Learner,
            max_uses: 3,
            expires_at: T0 + 1_000_000,
            created_by: None,
        },
        T0,
        &cli,
    )
    .await
    .unwrap();
    let joins: Vec<_> = (0..10)
        .map(|n| {
            let store = if n % 2 == 0 { one.clone() } else { two.clone() };
            tokio::spawn(async move {
                store
                    .join("THREE", account(&format!("user{n}"), "U"), T0 + 1)
                    .await
            })
        })
        .collect();
    let mut joined = 0;
    for join in joins {
        match join.await.unwrap() {
            Ok(_) => joined += 1,
            Err(StoreError::InviteUsedUp) => {}
            Err(err) => panic!("{err:?}"),
        }
    }
    assert_eq!(joined, 3);
    let invite = one.invites().await.unwrap().remove(0);
    assert_eq!(invite.uses, 3);
    // One login taken through both servers at once.
    one.create_invite(
        NewInvite {
            code: "MANY".into(),
            unit_id: unit,
            role: Role::Learner,
            max_uses: 100,
            expires_at: T0 + 1_000_000,
            created_by: None,
        },
        T0,
        &cli,
    )
    .await
    .unwrap();
    for round in 0..10 {
        let login = format!("twin{round}");
        let (a, b) = tokio::join!(
            one.join("MANY", account(&login, "T"), T0 + 1),
            two.join("MANY", account(&login, "T"), T0 + 1)
        );
        assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
        assert!(matches!(a.err().or(b.err()), Some(StoreError::LoginTaken)));
    }
    // Archiving a unit while accounts join it: either the unit ends up
    // archived and empty, or the archive is refused.
    for round in 0..10 {
        let target = one
            .create_unit(&format!("Temp {round}"), None, T0, &actor)
            .await
            .unwrap();
        let code = format!("TEMP{round}");
        one.create_invite(
            NewInvite {
                code: code.clone(),
                unit_id: target.id,
                role: Role::Learner,
                max_uses: 10,
                expires_at: T0 + 1_000_000,
                created_by: None,
            },
            T0,
            &cli,
        )
        .await
        .unwrap();
        let (joined, archived) = tokio::join!(
            one.join(&code, account(&format!("late{round}"), "L"), T0 + 2),
            two.archive_unit(target.id, T0 + 2, &actor)
        );
        let members = one
            .member_counts()
            .await
            .unwrap()
            .get(&target.id)
            .copied()
            .unwrap_or(0);
        match (joined, archived) {
            (Ok(_), Err(StoreError::Refused(_))) => assert_eq!(members, 1),
            (Err(StoreError::InviteRevoked), Ok(unit)) => {
                assert!(unit.archived_at.is_some());
                assert_eq!(members, 0);
            }
            other => panic!("{other:?}"),
        }
    }
    // Two accounts' first pushes from one device: it belongs to one.
    let ana = one.user_by_login("user0").await.unwrap();
    let users = one.users().await.unwrap();
    let (p, q) = (users[1].user.id, users[2].user.id);
    let _ = ana;
    for round in 0..10 {
        let device = format!("shared{round}");
        let batch = study(&device, 1, 2);
        let (a, b) = tokio::join!(
            one.push(p, &device, &batch, T0, 10_000),
            two.push(q, &device, &batch, T0, 10_000)
        );
        assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
        assert!(matches!(
            a.err().or(b.err()),
            Some(StoreError::DeviceOfOtherUser)
        ));
    }
    // One event id pushed by two accounts from their own devices at once:
    // stored for one, a conflict for the other.
    for round in 0..10 {
        let (pd, qd) = (format!("p{round}"), format!("q{round}"));
        let mut mine = study(&pd, 1, 1);
        let mut theirs = study(&qd, 1, 1);
        mine[0].id = format!("same{round}");
        theirs[0].id = format!("same{round}");
        let (a, b) = tokio::join!(
            one.push(p, &pd, &mine, T0, 10_000),
            two.push(q, &qd, &theirs, T0, 10_000)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.stored + b.stored, 1, "{a:?} {b:?}");
        assert_eq!(a.conflicts.len() + b.conflicts.len(), 1, "{a:?} {b:?}");
        assert_eq!((a.acknowledged_seq, b.acknowledged_seq), (1, 1));
    }
    close(one).await;
    close(two).await;
    db.drop_it().await;
}

/// Closes a server's pool.
async fn close(store: Arc<PgStore>) {
    PgStore::clone(&store).close().await;
}
