//! The content pack: every lesson, quiz, scenario, risk checklist and the
//! pledge, as the app reads them. Built from `content/` by [`crate::authoring`];
//! a published pack arrives as JSON and is checked by [`Pack::validate`] before
//! anyone sees it. Progress refers to the stable ids, never to positions.

use crate::settings::Tier;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The topics, one per numbered point of the source essay.
pub const TOPICS: [&str; 10] = [
    "collective-study",
    "systems-network",
    "spare-time",
    "guiding-others",
    "job-risk-prevention",
    "holistic-view",
    "new-situations",
    "engaging-forms",
    "overall-quality",
    "self-discipline",
];

/// One version of all learning content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    /// A hash of everything else: changes whenever any content changes.
    pub version: String,
    pub lessons: Vec<Lesson>,
    pub scenarios: Vec<Scenario>,
    pub risk_checklists: Vec<RiskChecklist>,
    pub pledge: Pledge,
}

/// A short reading with a quiz, for one or more tiers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub tiers: Vec<Tier>,
    pub minutes: u32,
    pub topics: Vec<String>,
    pub body: Vec<Block>,
    pub quiz: Vec<Question>,
}

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Exactly one option is right.
    Single,
    /// Two or more options are right; all must be chosen.
    Multiple,
    /// "True" or "False".
    TrueFalse,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Unique within its lesson; the review queue keys on `lesson/question`.
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<AnswerOption>,
}

/// One answer with why it is right or wrong: every answer teaches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerOption {
    pub text: String,
    pub correct: bool,
    pub explanation: String,
}

/// A block of rendered text. Lessons are parsed at build time into this small
/// tree, so the app carries no Markdown parser and no source can inject HTML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading {
        level: u8,
        spans: Vec<Span>,
    },
    Paragraph {
        spans: Vec<Span>,
    },
    List {
        ordered: bool,
        items: Vec<Vec<Span>>,
    },
    Quote {
        paragraphs: Vec<Vec<Span>>,
    },
}

/// A run of text with its emphasis.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strong: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emphasis: bool,
}

impl Block {
    /// The block's words, for search and word counts.
    pub fn plain_text(&self) -> String {
        let join = |spans: &[Span]| spans.iter().map(|s| s.text.as_str()).collect::<String>();
        match self {
            Block::Heading { spans, .. } | Block::Paragraph { spans } => join(spans),
            Block::List { items, .. } => {
                items.iter().map(|i| join(i)).collect::<Vec<_>>().join(" ")
            }
            Block::Quote { paragraphs } => paragraphs
                .iter()
                .map(|p| join(p))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// A branching story of a real temptation: one decision at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub tiers: Vec<Tier>,
    pub start: String,
    /// Lessons the debrief points to.
    pub lessons: Vec<String>,
    pub debrief: Vec<Block>,
    pub nodes: Vec<ScenarioNode>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioNode {
    pub id: String,
    pub text: Vec<Block>,
    pub choices: Vec<Choice>,
}

/// How a choice stands against the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Sound,
    Risky,
    Wrong,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    pub verdict: Verdict,
    pub consequence: Vec<Block>,
    /// The next decision; `None` ends the scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The corruption-risk points of one post, for the risk self-check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskChecklist {
    pub id: String,
    pub post: String,
    pub summary: String,
    pub points: Vec<RiskPoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskPoint {
    pub id: String,
    pub title: String,
    pub description: String,
    pub measures: Vec<String>,
    #[serde(default)]
    pub lessons: Vec<String>,
    #[serde(default)]
    pub scenarios: Vec<String>,
}

/// The integrity pledge; a new version asks everyone to acknowledge again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pledge {
    pub version: u32,
    pub title: String,
    pub text: Vec<Block>,
}

/// Where in the pack a problem is, so authoring can point at file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Pack,
    Lesson(String),
    Question(String, String),
    Scenario(String),
    Node(String, String),
    Checklist(String),
    RiskPoint(String, String),
    Pledge,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Pack => write!(f, "pack"),
            Place::Lesson(id) => write!(f, "lesson {id}"),
            Place::Question(lesson, q) => write!(f, "lesson {lesson}, question {q}"),
            Place::Scenario(id) => write!(f, "scenario {id}"),
            Place::Node(s, n) => write!(f, "scenario {s}, node {n}"),
            Place::Checklist(id) => write!(f, "risk checklist {id}"),
            Place::RiskPoint(c, p) => write!(f, "risk checklist {c}, point {p}"),
            Place::Pledge => write!(f, "pledge"),
        }
    }
}

/// One reason a pack cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.reason)
    }
}

/// Is this a stable id: lower-case letters, digits and single hyphens?
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

impl Pack {
    /// The hash of the pack's content (everything but the version itself).
    pub fn content_hash(&self) -> String {
        let body = serde_json::to_vec(&(
            &self.lessons,
            &self.scenarios,
            &self.risk_checklists,
            &self.pledge,
        ))
        .expect("pack serialises");
        crate::hash::fnv1a64_hex(&body)
    }

    /// Sets `version` from the content.
    pub fn seal(mut self) -> Pack {
        self.version = self.content_hash();
        self
    }

    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn checklist(&self, id: &str) -> Option<&RiskChecklist> {
        self.risk_checklists.iter().find(|c| c.id == id)
    }

    /// A one-line count of what the pack holds.
    pub fn summary(&self) -> String {
        let per_tier = |tier: Tier| {
            self.lessons
                .iter()
                .filter(|l| l.tiers.contains(&tier))
                .count()
        };
        let everyone = self
            .lessons
            .iter()
            .filter(|l| l.tiers.len() == Tier::ALL.len())
            .count();
        format!(
            "{} lessons ({} leading cadre, {} department head, {} staff; {} for everyone), {} questions, {} scenarios, {} risk checklists ({} risk points), pledge v{}",
            self.lessons.len(),
            per_tier(Tier::LeadingCadre),
            per_tier(Tier::DepartmentHead),
            per_tier(Tier::Staff),
            everyone,
            self.lessons.iter().map(|l| l.quiz.len()).sum::<usize>(),
            self.scenarios.len(),
            self.risk_checklists.len(),
            self.risk_checklists.iter().map(|c| c.points.len()).sum::<usize>(),
            self.pledge.version,
        )
    }

    /// Every rule a pack must meet before a learner sees it. Empty means usable.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut add = |place: Place, reason: String| problems.push(Problem { place, reason });
        if self.version != self.content_hash() {
            add(
                Place::Pack,
                format!(
                    "version {:?} does not match the content's hash {}",
                    self.version,
                    self.content_hash()
                ),
            );
        }
        let lesson_ids = unique_ids(
            self.lessons.iter().map(|l| &l.id),
            Place::Pack,
            "lesson",
            &mut add,
        );
        let scenario_ids = unique_ids(
            self.scenarios.iter().map(|s| &s.id),
            Place::Pack,
            "scenario",
            &mut add,
        );
        unique_ids(
            self.risk_checklists.iter().map(|c| &c.id),
            Place::Pack,
            "risk checklist",
            &mut add,
        );
        if self.lessons.is_empty() {
            add(Place::Pack, "has no lessons".into());
        }
        for lesson in &self.lessons {
            validate_lesson(lesson, &mut add);
        }
        for scenario in &self.scenarios {
            validate_scenario(scenario, &lesson_ids, &mut add);
        }
        for checklist in &self.risk_checklists {
            let place = Place::Checklist(checklist.id.clone());
            non_empty(&checklist.post, "post", &place, &mut add);
            non_empty(&checklist.summary, "summary", &place, &mut add);
            if !(6..=10).contains(&checklist.points.len()) {
                add(
                    place.clone(),
                    format!(
                        "has {} risk points; 6 to 10 are required",
                        checklist.points.len()
                    ),
                );
            }
            unique_ids(
                checklist.points.iter().map(|p| &p.id),
                place,
                "risk point",
                &mut add,
            );
            for point in &checklist.points {
                let place = Place::RiskPoint(checklist.id.clone(), point.id.clone());
                non_empty(&point.title, "title", &place, &mut add);
                non_empty(&point.description, "description", &place, &mut add);
                if point.measures.iter().all(|m| m.trim().is_empty()) {
                    add(place.clone(), "has no prevention measure".into());
                }
                references(&point.lessons, &lesson_ids, "lesson", &place, &mut add);
                references(
                    &point.scenarios,
                    &scenario_ids,
                    "scenario",
                    &place,
                    &mut add,
                );
            }
        }
        if self.pledge.version == 0 {
            add(Place::Pledge, "version must be 1 or more".into());
        }
        non_empty(&self.pledge.title, "title", &Place::Pledge, &mut add);
        if self.pledge.text.is_empty() {
            add(Place::Pledge, "text is empty".into());
        }
        problems
    }
}

type Add<'a> = dyn FnMut(Place, String) + 'a;

fn unique_ids<'a>(
    ids: impl Iterator<Item = &'a String>,
    place: Place,
    what: &str,
    add: &mut Add<'_>,
) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    for id in ids {
        if !is_valid_id(id) {
            add(
                place.clone(),
                format!("{what} id {id:?} is not a lower-case slug (a-z, 0-9, -)"),
            );
        }
        if !seen.insert(id.as_str()) {
            add(place.clone(), format!("duplicate {what} id {id:?}"));
        }
    }
    seen
}

fn non_empty(value: &str, field: &str, place: &Place, add: &mut Add<'_>) {
    if value.trim().is_empty() {
        add(place.clone(), format!("{field} is missing or empty"));
    }
}

fn references(ids: &[String], known: &HashSet<&str>, what: &str, place: &Place, add: &mut Add<'_>) {
    for id in ids {
        if !known.contains(id.as_str()) {
            add(place.clone(), format!("refers to unknown {what} {id:?}"));
        }
    }
}

fn validate_lesson(lesson: &Lesson, add: &mut Add<'_>) {
    let place = Place::Lesson(lesson.id.clone());
    non_empty(&lesson.title, "title", &place, add);
    non_empty(&lesson.summary, "summary", &place, add);
    if lesson.tiers.is_empty() {
        add(place.clone(), "names no tier".into());
    }
    if !(3..=8).contains(&lesson.minutes) {
        add(
            place.clone(),
            format!("minutes is {}; lessons take 3 to 8 minutes", lesson.minutes),
        );
    }
    if lesson.topics.is_empty() {
        add(place.clone(), "names no topic".into());
    }
    for topic in &lesson.topics {
        if !TOPICS.contains(&topic.as_str()) {
            add(
                place.clone(),
                format!("unknown topic {topic:?} (known: {})", TOPICS.join(", ")),
            );
        }
    }
    if lesson.body.is_empty() {
        add(place.clone(), "body is empty".into());
    }
    if !(3..=5).contains(&lesson.quiz.len()) {
        add(
            place.clone(),
            format!(
                "quiz has {} questions; 3 to 5 are required",
                lesson.quiz.len()
            ),
        );
    }
    unique_ids(lesson.quiz.iter().map(|q| &q.id), place, "question", add);
    for question in &lesson.quiz {
        validate_question(&lesson.id, question, add);
    }
}

fn validate_question(lesson: &str, question: &Question, add: &mut Add<'_>) {
    let place = Place::Question(lesson.to_owned(), question.id.clone());
    non_empty(&question.prompt, "prompt", &place, add);
    let options = question.options.len();
    let correct = question.options.iter().filter(|o| o.correct).count();
    match question.kind {
        QuestionKind::Single => {
            if !(3..=5).contains(&options) {
                add(
                    place.clone(),
                    format!("a single-choice question needs 3 to 5 options, has {options}"),
                );
            }
            if correct != 1 {
                add(
                    place.clone(),
                    format!(
                        "a single-choice question needs exactly 1 correct option, has {correct}"
                    ),
                );
            }
        }
        QuestionKind::Multiple => {
            if !(3..=6).contains(&options) {
                add(
                    place.clone(),
                    format!("a multiple-choice question needs 3 to 6 options, has {options}"),
                );
            }
            if correct < 2 || correct == options {
                add(place.clone(), format!("a multiple-choice question needs at least 2 correct and 1 wrong option, has {correct} of {options} correct"));
            }
        }
        QuestionKind::TrueFalse => {
            let texts: Vec<&str> = question.options.iter().map(|o| o.text.as_str()).collect();
            if texts != ["True", "False"] {
                add(place.clone(), format!("a true/false question needs the options \"True\" and \"False\", has {texts:?}"));
            }
            if correct != 1 {
                add(
                    place.clone(),
                    format!("a true/false question needs exactly 1 correct option, has {correct}"),
                );
            }
        }
    }
    for (n, option) in question.options.iter().enumerate() {
        if option.text.trim().is_empty() {
            add(place.clone(), format!("option {} has no text", n + 1));
        }
        if option.explanation.trim().is_empty() {
            add(
                place.clone(),
                format!(
                    "option {} ({:?}) has an empty explanation",
                    n + 1,
                    option.text
                ),
            );
        }
    }
}

fn validate_scenario(scenario: &Scenario, lessons: &HashSet<&str>, add: &mut Add<'_>) {
    let place = Place::Scenario(scenario.id.clone());
    non_empty(&scenario.title, "title", &place, add);
    non_empty(&scenario.summary, "summary", &place, add);
    if scenario.tiers.is_empty() {
        add(place.clone(), "names no tier".into());
    }
    if scenario.debrief.is_empty() {
        add(place.clone(), "debrief is empty".into());
    }
    references(&scenario.lessons, lessons, "lesson", &place, add);
    if !(2..=4).contains(&scenario.nodes.len()) {
        add(
            place.clone(),
            format!(
                "has {} decision points; 2 to 4 are required",
                scenario.nodes.len()
            ),
        );
    }
    let node_ids = unique_ids(
        scenario.nodes.iter().map(|n| &n.id),
        place.clone(),
        "node",
        add,
    );
    if !node_ids.contains(scenario.start.as_str()) {
        add(
            place.clone(),
            format!("start names unknown node {:?}", scenario.start),
        );
        return;
    }
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in &scenario.nodes {
        let node_place = Place::Node(scenario.id.clone(), node.id.clone());
        if node.text.is_empty() {
            add(node_place.clone(), "text is empty".into());
        }
        if !(2..=4).contains(&node.choices.len()) {
            add(
                node_place.clone(),
                format!("has {} choices; 2 to 4 are required", node.choices.len()),
            );
        }
        for (n, choice) in node.choices.iter().enumerate() {
            if choice.text.trim().is_empty() {
                add(node_place.clone(), format!("choice {} has no text", n + 1));
            }
            if choice.consequence.is_empty() {
                add(
                    node_place.clone(),
                    format!("choice {} has no consequence", n + 1),
                );
            }
            if let Some(next) = &choice.next {
                if node_ids.contains(next.as_str()) {
                    edges
                        .entry(node.id.as_str())
                        .or_default()
                        .push(next.as_str());
                } else {
                    add(
                        node_place.clone(),
                        format!("choice {} leads to unknown node {next:?}", n + 1),
                    );
                }
            }
        }
    }
    // Every node reachable from the start, and no way back: each path ends.
    let mut state: HashMap<&str, u8> = HashMap::new();
    if let Some(node) = find_cycle(scenario.start.as_str(), &edges, &mut state) {
        add(
            place.clone(),
            format!("the choices loop back to node {node:?}: every path must end"),
        );
    }
    for id in &node_ids {
        if !state.contains_key(id) {
            add(
                place.clone(),
                format!("node {id:?} cannot be reached from the start"),
            );
        }
    }
}

/// Depth-first search; returns a node on a cycle. `state`: 1 = on the path, 2 = done.
fn find_cycle<'a>(
    node: &'a str,
    edges: &HashMap<&'a str, Vec<&'a str>>,
    state: &mut HashMap<&'a str, u8>,
) -> Option<&'a str> {
    match state.get(node) {
        Some(1) => return Some(node),
        Some(_) => return None,
        None => {}
    }
    state.insert(node, 1);
    for next in edges.get(node).into_iter().flatten() {
        if let Some(found) = find_cycle(next, edges, state) {
            return Some(found);
        }
    }
    state.insert(node, 2);
    None
}
