//! The content compiler: the repository's own content builds, and each kind of
//! authoring mistake is reported with its file, line and reason.
#![cfg(feature = "authoring")]

use qinglian_core::authoring::compile_dir;
use qinglian_core::content::Block;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/content")
}

/// A copy of the fixture content with one file changed by `edit`.
fn broken(file: &str, edit: impl Fn(String) -> String) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    let errors = compile_dir(dir.path()).expect_err("the change must be refused");
    let errors = errors.iter().map(ToString::to_string).collect();
    (dir, errors)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn assert_reported(errors: &[String], file_and_line: &str, reason: &str) {
    assert!(
        errors
            .iter()
            .any(|e| e.contains(file_and_line) && e.contains(reason)),
        "expected `{file_and_line}` with `{reason}` in {errors:#?}"
    );
}

#[test]
fn the_repository_content_compiles_and_meets_the_brief() {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let pack = compile_dir(&content).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(pack.lessons.len() >= 24, "{}", pack.summary());
    for tier in qinglian_core::settings::Tier::ALL {
        let only = pack.lessons.iter().filter(|l| l.tiers == [tier]).count();
        assert!(only >= 6, "{tier:?} has {only} lessons of its own");
    }
    assert!(pack.lessons.iter().filter(|l| l.tiers.len() == 3).count() >= 4);
    assert!(pack.scenarios.len() >= 8);
    assert!(pack.risk_checklists.len() >= 6);
    for topic in qinglian_core::content::TOPICS {
        assert!(
            pack.lessons
                .iter()
                .any(|l| l.topics.iter().any(|t| t == topic)),
            "no lesson on {topic}"
        );
    }
    assert_eq!(pack.version, pack.content_hash());
}

#[test]
fn the_fixture_compiles_to_blocks() {
    let pack = compile_dir(&fixture()).unwrap();
    let body = &pack.lessons[0].body;
    assert!(matches!(&body[0], Block::Heading { level: 2, .. }));
    assert!(body
        .iter()
        .any(|b| matches!(b, Block::List { ordered: true, .. })));
    assert!(body.iter().any(|b| matches!(b, Block::Quote { .. })));
    let Block::Paragraph { spans } = &body[1] else {
        panic!("{body:?}")
    };
    assert!(spans.iter().any(|s| s.strong && s.text == "obligations"));
    assert!(spans.iter().any(|s| s.emphasis && s.text == "small"));
}

#[test]
fn the_version_changes_with_the_content() {
    let a = compile_dir(&fixture()).unwrap();
    let (_dir, _) = broken("lessons/fx-gifts.md", |t| {
        t.replace("minutes = 3", "minutes = 0")
    });
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join("lessons/fx-gifts.md");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Why it matters", "Why it really matters");
    std::fs::write(&path, text).unwrap();
    let b = compile_dir(dir.path()).unwrap();
    assert_ne!(a.version, b.version);
}

#[test]
fn a_missing_field_names_file_and_line() {
    let (_dir, errors) = broken("lessons/fx-gifts.md", |t| {
        t.replace(
            "summary = \"A small fixture lesson for the compiler's tests.\"\n",
            "",
        )
    });
    assert_reported(&errors, "fx-gifts.md:", "missing field `summary`");
}

#[test]
fn a_duplicate_question_id_is_refused() {
    let (_dir, errors) = broken("lessons/fx-gifts.md", |t| {
        t.replace("id = \"q2\"", "id = \"q1\"")
    });
    assert_reported(&errors, "fx-gifts.md:", "duplicate question id \"q1\"");
}

#[test]
fn a_reference_to_an_unknown_lesson_is_refused() {
    let (_dir, errors) = broken("scenarios/fx-story.toml", |t| {
        t.replace("lessons = [\"fx-gifts\"]", "lessons = [\"no-such-lesson\"]")
    });
    assert_reported(
        &errors,
        "fx-story.toml:1",
        "unknown lesson \"no-such-lesson\"",
    );
}

#[test]
fn a_single_choice_question_needs_exactly_one_right_answer() {
    let (_dir, errors) = broken("lessons/fx-gifts.md", |t| {
        t.replacen("correct = false", "correct = true", 1)
    });
    assert_reported(&errors, "fx-gifts.md:10", "exactly 1 correct option, has 2");
}

#[test]
fn an_empty_explanation_is_refused() {
    let (_dir, errors) = broken("lessons/fx-gifts.md", |t| {
        t.replace(
            "explanation = \"Timing ties the gift to the decision.\"",
            "explanation = \"  \"",
        )
    });
    assert_reported(&errors, "fx-gifts.md:", "empty explanation");
}

#[test]
fn raw_html_in_a_lesson_is_refused_with_its_line() {
    let (_dir, errors) = broken("lessons/fx-gifts.md", |t| {
        t.replace(
            "- Decline politely.",
            "- Decline <script>alert(1)</script> politely.",
        )
    });
    let line = std::fs::read_to_string(fixture().join("lessons/fx-gifts.md"))
        .unwrap()
        .lines()
        .position(|l| l.contains("Decline politely"))
        .unwrap()
        + 1;
    assert_reported(
        &errors,
        &format!("fx-gifts.md:{line}"),
        "raw HTML is not allowed",
    );
}

#[test]
fn links_and_scenario_loops_are_refused() {
    let (_dir, errors) = broken("lessons/fx-gifts.md", |t| {
        t.replace("A quoted rule.", "A [link](http://example.invalid).")
    });
    assert_reported(&errors, "fx-gifts.md:", "links are not allowed");
    let (_dir, errors) = broken("scenarios/fx-story.toml", |t| {
        t.replace(
            "consequence = \"An inspection finds it.\"",
            "consequence = \"An inspection finds it.\"\n  next = \"n1\"",
        )
    });
    assert_reported(&errors, "fx-story.toml", "loop back");
}
