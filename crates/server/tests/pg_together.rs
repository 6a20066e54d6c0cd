//! Studying together on PostgreSQL against SQLite, below the API: the same
//! calls of `SessionStore` and `VoiceStore` give the same answers (a script
//! run on both, compared line by line), and two servers sharing a database
//! create a session, an assignment, a question or a round sent twice with
//! one `client_id` once, record one feedback answer per member and round,
//! and keep the first verdict on a check-in.
//!
//! PostgreSQL only (ignored otherwise, so never counted as passed): run with
//! `QINGLIAN_TEST_POSTGRES` naming a PostgreSQL server where it may create
//! databases, and `-- --include-ignored` (`cargo xtask test` does). Each test
//! creates its own database and drops it.

use qinglian_core::events::{Event, EventKind};
use qinglian_core::sync::Role;
use qinglian_core::together::{
    AssignedItem, CheckInRefusal, SessionKind, SessionMinutes, Statement,
};
use qinglian_server::store::voice::{
    AnswerOutcome, NewQuestionRecord, NewRoundRecord, StoredAnswer, Units, VoiceStore,
};
use qinglian_server::store::{
    Actor, CheckInVerdict, NewAccount, NewAssignmentRow, NewSessionRow, PgStore, RosterAccount,
    SessionStore, SqliteStore, Store,
};
use std::collections::BTreeSet;
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
            .ok()
            .filter(|url| !url.trim().is_empty())
            .expect("set QINGLIAN_TEST_POSTGRES to a PostgreSQL server");
        let name = format!("together_test_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = server.split_once('?').map_or(server.as_str(), |(b, _)| b);
        let (base, _) = base.rsplit_once('/').expect("a URL with a database");
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

fn account(login: &str) -> NewAccount {
    NewAccount {
        login: login.to_owned(),
        display_name: format!("Name of {login}"),
        password_hash: format!("hash-of-{login}"),
    }
}

/// The administrator (account 1), the units Office (1), Sub (2) and Old
/// (3, archived), and 30 learners of Office (accounts 2 to 31).
async fn seed(store: &dyn Store) {
    let cli = Actor::cli();
    let admin = store.create_admin(account("root"), T0, &cli).await.unwrap();
    assert_eq!(admin.id, 1);
    for (name, id) in [("Office", 1), ("Sub", 2), ("Old", 3)] {
        let unit = store.create_unit(name, None, T0, &cli).await.unwrap();
        assert_eq!(unit.id, id);
    }
    store.archive_unit(3, T0, &cli).await.unwrap();
    let roster = (2..=31)
        .map(|n| RosterAccount {
            account: account(&format!("user{n:02}")),
            role: Role::Learner,
            unit_id: 1,
            password_expires_at: T0 + 1_000_000,
        })
        .collect();
    for (n, made) in (2..).zip(store.import_roster(roster, T0, &cli).await.unwrap()) {
        assert_eq!(made.unwrap().id, n);
    }
}

/// Pushes these events of one account, from its own device.
async fn push(store: &dyn Store, user: i64, events: Vec<(&str, i64, EventKind)>) {
    let device = format!("device-{user}");
    let events: Vec<Event> = (1..)
        .zip(events)
        .map(|(seq, (id, at, kind))| Event {
            id: id.to_owned(),
            device: device.clone(),
            seq,
            at,
            kind,
        })
        .collect();
    store
        .push(user, &device, &events, T0, 100_000)
        .await
        .unwrap();
}

async fn events(store: &dyn Store) {
    let check_in = |session: i64, code: &str| EventKind::SessionCheckIn {
        session,
        code: code.to_owned(),
    };
    let void = |target: &str| EventKind::Void {
        target: target.to_owned(),
    };
    let lesson = |id: &str| EventKind::LessonDone {
        lesson: id.to_owned(),
    };
    let answer = |question: &str, correct: bool| EventKind::QuestionAnswered {
        lesson: "a".to_owned(),
        question: question.to_owned(),
        chosen: vec![1],
        correct,
    };
    push(
        store,
        2,
        vec![
            ("c1", 5000, check_in(1, "1234")),
            ("c2", 4000, check_in(1, "9999")),
            ("c3", 4000, check_in(2, "0000")),
            ("l1", 100, lesson("a")),
            ("l2", 50, lesson("a")),
            ("l3", 70, lesson("b")),
            ("v2", 80, void("l3")),
            (
                "s1",
                80,
                EventKind::ScenarioFinished {
                    scenario: "sc".to_owned(),
                    choices: vec![],
                    sound: 1,
                    total: 1,
                },
            ),
            ("p2", 80, EventKind::PledgeAcknowledged { version: 1 }),
            ("q1", 80, answer("x", true)),
            ("q2", 81, answer("x", false)),
        ],
    )
    .await;
    push(
        store,
        3,
        vec![
            ("c4", 3000, check_in(1, "1111")),
            ("v1", 3500, void("c4")),
            (
                "r1",
                80,
                EventKind::RiskCheckCompleted {
                    checklist: "ck".to_owned(),
                },
            ),
            ("p1", 80, EventKind::PledgeAcknowledged { version: 2 }),
            ("q3", 82, answer("x", false)),
            ("q4", 83, answer("y", true)),
            ("q5", 84, answer("y", false)),
            ("v3", 85, void("q5")),
        ],
    )
    .await;
}

fn session(client_id: &str, unit_id: i64, scheduled_by: i64) -> NewSessionRow {
    NewSessionRow {
        client_id: client_id.into(),
        unit_id,
        kind: SessionKind::CentreGroup,
        topic: "  Topic ".into(),
        lessons: vec!["a".into(), "b".into()],
        scenario: Some("sc".into()),
        starts_at: 1000,
        ends_at: 2000,
        place: " Room ".into(),
        convener_id: 2,
        scheduled_by,
        secret: "abcd".into(),
    }
}

fn assignment(client_id: &str, due_at: i64) -> NewAssignmentRow {
    NewAssignmentRow {
        client_id: client_id.into(),
        unit_id: 1,
        items: vec![
            AssignedItem::Lesson { id: "a".into() },
            AssignedItem::Pledge { version: 2 },
        ],
        due_at,
        note: " note ".into(),
        assigned_by: 1,
    }
}

fn question<'a>(
    user_id: i64,
    client_id: &'a str,
    unit_id: i64,
    text: &'a str,
    show_name: bool,
) -> NewQuestionRecord<'a> {
    NewQuestionRecord {
        user_id,
        client_id,
        unit_id,
        text,
        show_name,
    }
}

fn round<'a>(
    opened_by: i64,
    client_id: &'a str,
    unit_id: i64,
    statements: &'a [Statement],
    closes_at: i64,
) -> NewRoundRecord<'a> {
    NewRoundRecord {
        opened_by,
        client_id,
        unit_id,
        statements,
        closes_at,
    }
}

fn answer(ratings: &[u8], comment: Option<&str>) -> StoredAnswer {
    StoredAnswer {
        ratings: ratings.to_vec(),
        comment: comment.map(str::to_owned),
    }
}

fn verdict(
    event_id: &str,
    session_id: i64,
    user_id: i64,
    at: i64,
    outcome: Result<i64, CheckInRefusal>,
) -> CheckInVerdict {
    CheckInVerdict {
        event_id: event_id.into(),
        session_id,
        user_id,
        at,
        outcome,
    }
}

/// Every call of studying together, answers and refusals alike written
/// down, one line each.
async fn script(store: &dyn Store) -> Vec<String> {
    seed(store).await;
    events(store).await;
    let mut log = Vec::new();
    macro_rules! note {
        ($call:expr) => {
            log.push(format!("{} => {:?}", stringify!($call), $call))
        };
    }
    // Sessions.
    note!(store.create_study_session(session("a", 1, 1), 10).await);
    note!(store.create_study_session(session("a", 2, 1), 11).await);
    note!(store.create_study_session(session("b", 2, 1), 12).await);
    let early = NewSessionRow {
        starts_at: 500,
        ends_at: 900,
        ..session("c", 1, 3)
    };
    note!(store.create_study_session(early, 13).await);
    note!(store
        .create_study_session(session("x", 99, 3), 13)
        .await
        .is_err());
    note!(store.study_session(1).await);
    note!(store.study_session(77).await);
    note!(store.study_sessions_since(0).await);
    note!(store.study_sessions_since(1000).await);
    note!(store.cancel_study_session(2, 20).await);
    note!(store.cancel_study_session(2, 21).await);
    note!(store.cancel_study_session(99, 21).await);
    let minutes = SessionMinutes {
        points: "p".into(),
        decisions: "d".into(),
        speakers: vec!["s".into()],
        summary: "sum".into(),
    };
    note!(store.set_session_minutes(1, &minutes, false, 30).await);
    note!(store.set_session_minutes(1, &minutes, true, 31).await);
    note!(store.set_session_minutes(1, &minutes, true, 32).await);
    note!(store.set_session_minutes(1, &minutes, false, 33).await);
    note!(store.set_session_minutes(99, &minutes, false, 33).await);
    // Check-ins.
    note!(store.pending_check_ins(2).await);
    note!(store.pending_check_ins(3).await);
    let verdicts = [
        verdict("c1", 1, 2, 5000, Ok(4900)),
        verdict("c2", 1, 2, 4000, Err(CheckInRefusal::WrongCode)),
        verdict("c4", 1, 3, 3000, Ok(2900)),
        verdict("no-event", 1, 4, 4000, Ok(1)),
    ];
    note!(store.record_check_ins(&verdicts, 40).await);
    let again = [verdict("c1", 1, 2, 5000, Err(CheckInRefusal::Cancelled))];
    note!(store.record_check_ins(&again, 41).await);
    note!(store.record_check_ins(&[], 41).await);
    note!(store.pending_check_ins(2).await);
    note!(store.check_ins_of(&[1, 2]).await);
    note!(store.check_ins_of(&[]).await);
    note!(store.check_ins_of(&[2]).await);
    // Assignments.
    note!(store.create_assignment(assignment("a", 500), 50).await);
    note!(store.create_assignment(assignment("a", 900), 51).await);
    note!(store.create_assignment(assignment("b", 300), 52).await);
    note!(store.create_assignment(assignment("c", 500), 52).await);
    note!(store.assignment(1).await);
    note!(store.assignment(9).await);
    note!(store.assignments_since(0).await);
    note!(store.assignments_since(400).await);
    note!(store.cancel_assignment(1, 60).await);
    note!(store.cancel_assignment(1, 61).await);
    note!(store.cancel_assignment(9, 61).await);
    // The report's aggregates (their order is the caller's).
    let mut facts: Vec<_> = store
        .study_facts(&[2, 3, 4])
        .await
        .unwrap()
        .into_iter()
        .collect();
    facts.sort_by_key(|(user, _)| *user);
    note!(facts);
    let mut tallies = store.question_tallies(&[2, 3]).await.unwrap();
    tallies.sort_by(|a, b| (&a.lesson, &a.question).cmp(&(&b.lesson, &b.question)));
    note!(tallies);
    note!(store.question_tallies(&[]).await);
    note!(store.study_facts(&[]).await);

    // Questions.
    note!(store.ask(question(2, "a", 1, "Why?", true), 100).await);
    note!(store.ask(question(2, "a", 2, "Other", false), 101).await);
    note!(store.ask(question(2, "b", 2, "Two", false), 102).await);
    note!(store.ask(question(3, "a", 1, "Three", false), 103).await);
    note!(store.ask(question(3, "a2", 1, "Four", false), 103).await);
    note!(store.ask(question(3, "z", 99, "No", false), 104).await);
    note!(store.question(1).await);
    note!(store.question(99).await);
    note!(store.questions_of(2).await);
    note!(store.questions_of(3).await);
    note!(store.answer_question(3, "Because", 1, false, 110).await);
    note!(store.answer_question(99, "Because", 1, false, 110).await);
    note!(store.publish_question(1, true, 111).await);
    note!(store.publish_question(99, true, 111).await);
    note!(store.answer_question(1, "Yes", 4, true, 112).await);
    note!(store.answer_question(1, "Yes!", 4, true, 113).await);
    note!(store.publish_question(1, true, 114).await);
    note!(store.answer_question(4, "Ok", 4, true, 115).await);
    note!(store.publish_question(3, true, 116).await);
    note!(store.publish_question(4, false, 117).await);
    note!(store.publish_question(2, false, 117).await);
    note!(store.questions_in(Units::All).await);
    note!(store.questions_in(Units::Only(&[2])).await);
    note!(store.questions_in(Units::Only(&[])).await);
    note!(store.published_questions(Units::All).await);
    note!(store.published_questions(Units::Only(&[1])).await);
    note!(store.published_questions(Units::Only(&[2])).await);
    note!(store.open_questions(&[1, 2], 200).await);
    note!(store.open_questions(&[1, 2], 103).await);
    note!(store.open_questions(&[], 200).await);

    // Feedback rounds.
    let statements = [
        Statement {
            zh_hans: "一".into(),
            en: "one".into(),
        },
        Statement {
            zh_hans: "二".into(),
            en: "two".into(),
        },
    ];
    note!(
        store
            .open_round(round(1, "a", 2, &statements, 1000), 200)
            .await
    );
    note!(
        store
            .open_round(round(1, "a", 3, &statements, 5000), 201)
            .await
    );
    note!(
        store
            .open_round(round(1, "b", 3, &statements, 5000), 201)
            .await
    );
    note!(
        store
            .open_round(round(1, "c", 99, &statements, 5000), 201)
            .await
    );
    note!(store.open_round(round(4, "a", 1, &[], 300), 202).await);
    note!(store.round_by_client_id(1, "a").await);
    note!(store.round_by_client_id(1, "zz").await);
    note!(store.round(2).await);
    note!(store.round(9).await);
    note!(store.rounds(0).await);
    note!(store.rounds(500).await);
    note!(
        store
            .record_answer(1, 5, "k1", &answer(&[5, 4], Some("good")), 250)
            .await
    );
    note!(
        store
            .record_answer(1, 5, "k1", &answer(&[1, 1], None), 251)
            .await
    );
    note!(
        store
            .record_answer(1, 5, "k2", &answer(&[1, 1], None), 251)
            .await
    );
    note!(
        store
            .record_answer(2, 5, "k1", &answer(&[1, 1], None), 251)
            .await
    );
    note!(
        store
            .record_answer(2, 5, "k3", &answer(&[3, 3], None), 301)
            .await
    );
    note!(
        store
            .record_answer(99, 5, "k4", &answer(&[3, 3], None), 251)
            .await
    );
    note!(
        store
            .record_answer(2, 5, "k3", &answer(&[3, 3], None), 250)
            .await
    );
    note!(
        store
            .record_answer(2, 6, "k3", &answer(&[2, 2], Some("meh")), 250)
            .await
    );
    note!(
        store
            .record_answer(1, 5, "k1", &answer(&[1, 1], None), 5000)
            .await
    );
    note!(store.rounds_answered_by(5, &[1, 2, 3]).await);
    note!(store.rounds_answered_by(5, &[]).await);
    note!(store.rounds_answered_by(6, &[1, 2]).await);
    // The answers' order is random: compared as sets.
    for id in [1, 2, 9] {
        let answers: BTreeSet<String> = store
            .answers(id)
            .await
            .unwrap()
            .iter()
            .map(|a| format!("{a:?}"))
            .collect();
        note!(answers);
    }
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
    pg.close().await;
    db.drop_it().await;
}

/// Runs `call` `n` times at once, alternately on each server.
async fn at_once<T, F, Fut>(servers: &[Arc<PgStore>; 2], n: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<PgStore>, usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let tasks: Vec<_> = (0..n)
        .map(|i| tokio::spawn(call(servers[i % 2].clone(), i)))
        .collect();
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL only: run with QINGLIAN_TEST_POSTGRES and --include-ignored"]
async fn postgres_two_servers_store_what_is_sent_twice_once() {
    let db = TestDb::create().await;
    let servers = [Arc::new(db.open().await), Arc::new(db.open().await)];
    seed(&*servers[0]).await;

    let sessions = at_once(&servers, 12, |s, _| async move {
        s.create_study_session(session("same", 1, 1), T0)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(sessions.iter().filter(|(_, created)| *created).count(), 1);
    assert!(sessions.iter().all(|(s, _)| *s == sessions[0].0));

    let assignments = at_once(&servers, 12, |s, _| async move {
        s.create_assignment(assignment("same", T0), T0)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(assignments.iter().filter(|(_, c)| *c).count(), 1);
    assert!(assignments.iter().all(|(a, _)| *a == assignments[0].0));

    let questions = at_once(&servers, 12, |s, _| async move {
        s.ask(question(2, "same", 1, "Why?", false), T0)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(questions.iter().filter(|(_, c)| *c).count(), 1);
    assert!(questions.iter().all(|(q, _)| *q == questions[0].0));

    let rounds = at_once(&servers, 12, |s, _| async move {
        s.open_round(round(1, "same", 1, &[], i64::MAX), T0)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(rounds.iter().filter(|(_, c)| *c).count(), 1);
    assert!(rounds.iter().all(|(r, _)| *r == rounds[0].0));
    let round_id = rounds[0].0.id;

    // Each member sends 6 answers at once: the same request retried (even
    // accounts) or six different ones (odd accounts).
    for user in 10..20i64 {
        let outcomes = at_once(&servers, 6, move |s, i| async move {
            let client_id = if user % 2 == 0 {
                "one".to_owned()
            } else {
                format!("answer-{i}")
            };
            let comment = format!("from {user}");
            s.record_answer(
                round_id,
                user,
                &client_id,
                &answer(&[3], Some(&comment)),
                T0,
            )
            .await
            .unwrap()
        })
        .await;
        let others = if user % 2 == 0 {
            AnswerOutcome::Retry
        } else {
            AnswerOutcome::AlreadyAnswered
        };
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| **o == AnswerOutcome::Recorded)
                .count(),
            1,
            "{outcomes:?}"
        );
        assert!(
            outcomes
                .iter()
                .all(|o| *o == AnswerOutcome::Recorded || *o == others),
            "{outcomes:?}"
        );
    }
    assert_eq!(servers[0].answers(round_id).await.unwrap().len(), 10);
    let answered: Vec<i64> = at_once(&servers, 10, move |s, i| async move {
        s.rounds_answered_by(10 + i as i64, &[round_id])
            .await
            .unwrap()
            .len() as i64
    })
    .await;
    assert_eq!(answered, vec![1; 10]);

    // Verdicts on the same check-ins judged on both servers at once: the
    // first one stays (one batch in reverse order may meet a deadlock, and
    // is run again).
    let sessions_id = sessions[0].0.id;
    let judged = at_once(&servers, 8, move |s, i| async move {
        let mut batch: Vec<CheckInVerdict> = (0..40)
            .map(|n| verdict(&format!("event-{n}"), sessions_id, 2, n, Ok(i as i64)))
            .collect();
        if i == 1 {
            batch.reverse();
        }
        s.record_check_ins(&batch, T0).await
    })
    .await;
    assert!(judged.iter().all(Result::is_ok), "{judged:?}");
    let kept = servers[0].check_ins_of(&[sessions_id]).await.unwrap();
    assert_eq!(kept.len(), 40);
    assert!(kept.iter().all(|v| v.outcome == kept[0].outcome));

    for server in servers {
        Arc::try_unwrap(server).unwrap().close().await;
    }
    db.drop_it().await;
}
