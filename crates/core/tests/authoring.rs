//! The content compiler: the repository's own content builds, and each kind of
//! authoring mistake is reported with its file, line and reason.
#![cfg(feature = "authoring")]

use qinglian_core::authoring::compile_editions;
use qinglian_core::content::{Block, QuizShape};
use qinglian_core::settings::Lang;
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
    let errors = compile_editions(dir.path()).expect_err("the change must be refused");
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
    let editions = compile_editions(&content).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(editions.packs.len(), 2);
    assert_eq!(
        editions.packs[0].lang,
        Lang::ZhHans,
        "the primary edition comes first"
    );
    for pack in &editions.packs {
        assert!(pack.lessons.len() >= 24, "{}", pack.summary());
        for tier in qinglian_core::settings::Tier::ALL {
            let only = pack.lessons.iter().filter(|l| l.tiers == [tier]).count();
            assert!(only >= 6, "{tier:?} has {only} lessons of its own");
        }
        assert!(pack.lessons.iter().filter(|l| l.tiers.len() == 3).count() >= 4);
        assert!(pack.scenarios.len() >= 10, "{}", pack.summary());
        assert!(pack.risk_checklists.len() >= 8, "{}", pack.summary());
        for lesson in &pack.lessons {
            assert!((4..=6).contains(&lesson.quiz.len()), "{}", lesson.id);
        }
        for scenario in &pack.scenarios {
            assert!(scenario.longest_path() >= 3, "{}", scenario.id);
        }
        let leaders = pack
            .scenarios
            .iter()
            .filter(|s| {
                s.tiers
                    .contains(&qinglian_core::settings::Tier::LeadingCadre)
            })
            .count();
        assert!(leaders >= 2, "{leaders} scenarios for leading cadres");
        for topic in qinglian_core::content::TOPICS {
            assert!(
                pack.lessons
                    .iter()
                    .any(|l| l.topics.iter().any(|t| t == topic)),
                "no lesson on {topic}"
            );
        }
        assert_eq!(pack.version, editions.version);
    }
    // The Chinese edition is written in Chinese: most of its text is CJK.
    let zh = editions.edition(Lang::ZhHans).unwrap();
    for lesson in &zh.lessons {
        let text: String = lesson.body.iter().map(Block::plain_text).collect();
        let cjk = text
            .chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
            .count();
        let letters = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
        assert!(
            cjk > 5 * letters,
            "lesson {} of the Chinese edition is not in Chinese",
            lesson.id
        );
    }
}

#[test]
fn the_fixture_compiles_to_blocks() {
    let editions = compile_editions(&fixture()).unwrap();
    let body = &editions.edition(Lang::En).unwrap().lessons[0].body;
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
fn the_version_changes_with_the_content_of_either_edition() {
    let a = compile_editions(&fixture()).unwrap();
    for file in ["en/lessons/fx-gifts.md", "zh-Hans/lessons/fx-gifts.md"] {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(), dir.path());
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("First", "1st")
            .replace("第一步", "首先");
        std::fs::write(&path, text).unwrap();
        let b = compile_editions(dir.path()).unwrap();
        assert_ne!(a.version, b.version, "{file}");
        assert!(b.packs.iter().all(|p| p.version == b.version));
    }
}

#[test]
fn reading_minutes_are_computed_per_language() {
    let editions = compile_editions(&fixture()).unwrap();
    for pack in &editions.packs {
        // About 160 words or 420 characters of body and four questions.
        assert_eq!(pack.lessons[0].minutes, 3, "{:?}", pack.lang);
    }
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace("+++\nid", "+++\nminutes = 5\nid")
    });
    assert_reported(
        &errors,
        "en/lessons/fx-gifts.md:",
        "unknown field `minutes`",
    );
}

#[test]
fn a_missing_field_names_file_and_line() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace(
            "summary = \"A small fixture lesson for the compiler's tests.\"\n",
            "",
        )
    });
    assert_reported(&errors, "fx-gifts.md:", "missing field `summary`");
}

#[test]
fn a_duplicate_question_id_is_refused() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace("id = \"q2\"", "id = \"q1\"")
    });
    assert_reported(&errors, "fx-gifts.md:", "duplicate question id \"q1\"");
}

#[test]
fn a_reference_to_an_unknown_lesson_is_refused() {
    let (_dir, errors) = broken("en/scenarios/fx-story.toml", |t| {
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
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replacen("correct = false", "correct = true", 1)
    });
    assert_reported(&errors, "fx-gifts.md:9", "exactly 1 correct option, has 2");
}

#[test]
fn an_empty_explanation_is_refused() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace(
            "explanation = \"Timing ties the gift to the decision.\"",
            "explanation = \"  \"",
        )
    });
    assert_reported(&errors, "fx-gifts.md:", "empty explanation");
}

#[test]
fn raw_html_in_a_lesson_is_refused_with_its_line() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace(
            "- Decline politely.",
            "- Decline <script>alert(1)</script> politely.",
        )
    });
    let line = std::fs::read_to_string(fixture().join("en/lessons/fx-gifts.md"))
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
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace("A quoted rule.", "A [link](http://example.invalid).")
    });
    assert_reported(&errors, "fx-gifts.md:", "links are not allowed");
    let (_dir, errors) = broken("en/scenarios/fx-story.toml", |t| {
        t.replace(
            "consequence = \"An inspection finds it.\"",
            "consequence = \"An inspection finds it.\"\n  next = \"n1\"",
        )
    });
    assert_reported(&errors, "fx-story.toml", "loop back");
}

#[test]
fn the_longest_right_answer_fails_the_build() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace(
            "Return them; note it in the register.",
            "Return them with a short, polite note and record what happened in the gift register.",
        )
    });
    assert_reported(
        &errors,
        "/en:1:",
        "strictly the longest in 1 of 1 single-choice",
    );
}

#[test]
fn true_false_answers_must_be_balanced() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replacen(
            "text = \"True\"\n  correct = true",
            "text = \"True\"\n  correct = false",
            1,
        )
        .replacen(
            "text = \"False\"\n  correct = false",
            "text = \"False\"\n  correct = true",
            1,
        )
    });
    assert_reported(
        &errors,
        "/en:1:",
        "\"true\" is the answer to 0 of 2 true/false questions",
    );
}

#[test]
fn one_odd_option_out_fails_the_build() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace(
            "text = \"A thank-you card from a training course.\"\n  correct = false",
            "text = \"A thank-you card from a training course.\"\n  correct = true",
        )
    });
    assert_reported(
        &errors,
        "/en:1:",
        "1 of 1 multiple-choice questions have exactly one wrong option",
    );
}

#[test]
fn a_question_needs_three_options() {
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replace(
            "  [[quiz.options]]\n  text = \"Keep them as food of low value from a contact.\"\n  correct = false\n  explanation = \"Value is not the test; the giver's business with you is.\"\n",
            "",
        )
    });
    assert_reported(&errors, "en/lessons/fx-gifts.md:", "3 to 5 options, has 2");
}

#[test]
fn chinese_true_false_options_are_chinese() {
    let (_dir, errors) = broken("zh-Hans/lessons/fx-gifts.md", |t| {
        t.replacen("text = \"正确\"", "text = \"True\"", 1)
    });
    assert_reported(
        &errors,
        "zh-Hans/lessons/fx-gifts.md:",
        "\"正确\" and \"错误\"",
    );
}

#[test]
fn editions_that_disagree_are_refused_with_file_and_line() {
    // A different right answer in the English edition.
    let (_dir, errors) = broken("en/lessons/fx-gifts.md", |t| {
        t.replacen("correct = true", "correct = false", 1).replacen(
            "text = \"Share them out among the whole team at tea time.\"\n  correct = false",
            "text = \"Share them out among the whole team at tea time.\"\n  correct = true",
            1,
        )
    });
    assert_reported(
        &errors,
        "en/lessons/fx-gifts.md:9",
        "differs from the zh-Hans edition: correct option(s) 2, there 1",
    );
    // A choice that leads elsewhere.
    let (_dir, errors) = broken("en/scenarios/fx-story.toml", |t| {
        t.replacen("next = \"n3\"", "next = \"n2\"", 1)
    });
    assert_reported(
        &errors,
        "en/scenarios/fx-story.toml:",
        "choice 2 leads to Some(\"n2\"), there Some(\"n3\")",
    );
    // A verdict that differs.
    let (_dir, errors) = broken("en/scenarios/fx-story.toml", |t| {
        t.replacen("verdict = \"wrong\"", "verdict = \"risky\"", 1)
    });
    assert_reported(
        &errors,
        "en/scenarios/fx-story.toml:",
        "choice 1 is Risky, there Wrong",
    );
    // A lesson missing from one edition.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let extra = dir.path().join("en/lessons/fx-extra.md");
    let text = std::fs::read_to_string(dir.path().join("en/lessons/fx-gifts.md")).unwrap();
    std::fs::write(
        &extra,
        text.replace("id = \"fx-gifts\"", "id = \"fx-extra\""),
    )
    .unwrap();
    let errors: Vec<String> = compile_editions(dir.path())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_reported(
        &errors,
        "/en:1:",
        "lessons: missing [], extra [\"fx-extra\"]",
    );
    // A risk point with another number of measures.
    let (_dir, errors) = broken("en/risks/fx-post.toml", |t| {
        t.replacen(
            "measures = [\"Measure 1.\"]",
            "measures = [\"Measure 1.\", \"Another.\"]",
            1,
        )
    });
    assert_reported(&errors, "en/risks/fx-post.toml:", "2 measures, there 1");
}

#[test]
fn a_scenario_needs_a_story_of_three_decisions() {
    let (_dir, errors) = broken("en/scenarios/fx-story.toml", |t| {
        t.replace(
            "  next = \"n3\"\n\n[[nodes]]\nid = \"n3\"",
            "\n[[nodes]]\nid = \"n3\"",
        )
        .replacen("  next = \"n3\"\n", "\n", 1)
    });
    assert_reported(&errors, "en/scenarios/fx-story.toml:", "cannot be reached");
    let (_dir, errors) = broken("en/scenarios/fx-story.toml", |t| {
        t.replace("  next = \"n2\"\n", "")
    });
    assert_reported(
        &errors,
        "en/scenarios/fx-story.toml:",
        "node \"n2\" cannot be reached",
    );
}

#[test]
fn the_quiz_shape_is_measured() {
    let editions = compile_editions(&fixture()).unwrap();
    let shape = QuizShape::of(editions.edition(Lang::ZhHans).unwrap());
    assert_eq!(
        shape,
        QuizShape {
            single: 1,
            correct_longest: 0,
            true_false: 2,
            answer_true: 1,
            multiple: 1,
            one_wrong: 0,
            same_right_count: 1,
        }
    );
}

/// Today is drawn from the outline while the whole edition loads: for every
/// edition, tier and stage of study, the outline must give the same plan,
/// next lesson (with its title, summary and minutes), scenario and pledge as
/// the whole edition, at a small part of its size.
#[test]
fn the_outline_gives_today_what_the_whole_edition_gives() {
    use qinglian_core::events::{Event, EventKind};
    use qinglian_core::progress::{fold, scenario_due, StudyPlan};
    use qinglian_core::settings::Tier;

    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let editions = compile_editions(&content).expect("the repository's content compiles");
    let now = 1_790_000_000_000i64;
    for pack in &editions.packs {
        let outline = pack.outline();
        let whole_size = serde_json::to_string(pack).unwrap().len();
        let outline_size = serde_json::to_string(&outline).unwrap().len();
        assert!(
            outline_size * 8 < whole_size,
            "outline {outline_size} bytes against {whole_size}"
        );
        assert_eq!(outline.version, pack.version);
        for tier in Tier::ALL {
            // No lesson done yet, then more and more of them, an elective
            // chosen, and a scenario played on the way.
            for done in (0..=pack.lessons.len()).step_by(3) {
                let mut events: Vec<Event> = pack.lessons[..done]
                    .iter()
                    .enumerate()
                    .map(|(n, lesson)| Event {
                        id: format!("e{n}"),
                        device: "d".into(),
                        seq: n as u64 + 1,
                        at: now - 1_000_000 + n as i64,
                        kind: EventKind::LessonDone {
                            lesson: lesson.id.clone(),
                        },
                    })
                    .collect();
                if let Some(elective) = pack.lessons.iter().find(|l| !l.tiers.contains(&tier)) {
                    events.push(Event {
                        id: "elective".into(),
                        device: "d".into(),
                        seq: 900,
                        at: now - 500,
                        kind: EventKind::ElectiveChosen {
                            lesson: elective.id.clone(),
                        },
                    });
                }
                if done % 2 == 1 {
                    events.push(Event {
                        id: "scenario".into(),
                        device: "d".into(),
                        seq: 901,
                        at: now - 10 * 86_400_000,
                        kind: EventKind::ScenarioFinished {
                            scenario: pack.scenarios[0].id.clone(),
                            choices: vec![],
                            sound: 1,
                            total: 1,
                        },
                    });
                }
                let progress = fold(&events, 0);
                let plan = StudyPlan::for_learner(pack, &progress, tier);
                let from_outline = StudyPlan::for_learner(&outline, &progress, tier);
                assert_eq!(from_outline, plan, "{tier:?}, {done} done");
                let next = |p: &qinglian_core::content::Pack, plan: &StudyPlan| {
                    plan.next_lesson(&progress)
                        .and_then(|id| p.lesson(id))
                        .map(|l| (l.id.clone(), l.title.clone(), l.summary.clone(), l.minutes))
                };
                assert_eq!(next(&outline, &from_outline), next(pack, &plan));
                assert_eq!(
                    progress.pledge_needed(outline.pledge.version),
                    progress.pledge_needed(pack.pledge.version)
                );
                let rechecks = |p: &qinglian_core::content::Pack| {
                    p.risk_checklists
                        .iter()
                        .filter(|c| progress.risk_recheck_due(&c.id, now))
                        .map(|c| (c.id.clone(), c.post.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(rechecks(&outline), rechecks(pack));
                let scenario = |p: &qinglian_core::content::Pack| {
                    scenario_due(p, &progress, tier, now)
                        .and_then(|id| p.scenario(id))
                        .map(|s| (s.id.clone(), s.title.clone(), s.summary.clone()))
                };
                assert_eq!(scenario(&outline), scenario(pack));
            }
        }
    }
}
