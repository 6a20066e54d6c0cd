//! The content pack: every lesson, quiz, scenario, risk checklist and the
//! pledge, as the app reads them. Built from `content/` by [`crate::authoring`];
//! a published pack arrives as JSON and is checked by [`Pack::validate`] before
//! anyone sees it. Progress refers to the stable ids, never to positions.

use crate::settings::{Lang, Tier};
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

/// One language edition of one version of all learning content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    /// The version of the content, the same in every edition: a hash of all
    /// editions together (see [`Editions`]), so it changes whenever any
    /// content in any language changes.
    pub version: String,
    /// Which edition this is.
    pub lang: Lang,
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

impl Lesson {
    /// Does the lesson contain every word of the query, in its title, summary,
    /// text or `topic_names` (the topics in the reader's language)? Words are
    /// matched inside words, as Chinese has no spaces between them ("登记"
    /// finds "礼品登记"); English ignores case. Spaces and Chinese or Western
    /// commas separate the words of a query.
    pub fn matches(&self, query: &str, topic_names: &[&str]) -> bool {
        let query = query.to_lowercase();
        let words: Vec<&str> = query
            .split(|c: char| c.is_whitespace() || "，、。；：,;".contains(c))
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return true;
        }
        let mut haystack = format!("{} {} {}", self.title, self.summary, topic_names.join(" "));
        for block in &self.body {
            haystack.push(' ');
            haystack.push_str(&block.plain_text());
        }
        let haystack = haystack.to_lowercase();
        words.iter().all(|word| haystack.contains(word))
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
    /// The edition it is in; `None` for the set as a whole.
    pub lang: Option<Lang>,
    pub place: Place,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.lang {
            Some(lang) => write!(f, "[{}] {}: {}", lang.tag(), self.place, self.reason),
            None => write!(f, "{}: {}", self.place, self.reason),
        }
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
    /// The hash of this edition's content (everything but the version).
    pub fn content_hash(&self) -> String {
        let body = serde_json::to_vec(&(
            self.lang,
            &self.lessons,
            &self.scenarios,
            &self.risk_checklists,
            &self.pledge,
        ))
        .expect("pack serialises");
        crate::hash::fnv1a64_hex(&body)
    }

    /// The edition without what only its own pages show: what Today needs
    /// (each lesson's, scenario's and risk checklist's id, title or post,
    /// summary, tiers, topics and minutes; the pledge's version and title),
    /// without lesson texts, quizzes, scenario steps, risk points and the
    /// pledge's text: about a tenth of the edition's size. The app reads it at start and shows Today from it
    /// while the whole edition is still being read and parsed, so Today
    /// does not wait on hundreds of lessons' texts.
    pub fn outline(&self) -> Pack {
        Pack {
            version: self.version.clone(),
            lang: self.lang,
            lessons: self
                .lessons
                .iter()
                .map(|lesson| Lesson {
                    id: lesson.id.clone(),
                    title: lesson.title.clone(),
                    summary: lesson.summary.clone(),
                    tiers: lesson.tiers.clone(),
                    minutes: lesson.minutes,
                    topics: lesson.topics.clone(),
                    body: Vec::new(),
                    quiz: Vec::new(),
                })
                .collect(),
            scenarios: self
                .scenarios
                .iter()
                .map(|scenario| Scenario {
                    id: scenario.id.clone(),
                    title: scenario.title.clone(),
                    summary: scenario.summary.clone(),
                    tiers: scenario.tiers.clone(),
                    start: scenario.start.clone(),
                    lessons: scenario.lessons.clone(),
                    debrief: Vec::new(),
                    nodes: Vec::new(),
                })
                .collect(),
            risk_checklists: self
                .risk_checklists
                .iter()
                .map(|checklist| RiskChecklist {
                    id: checklist.id.clone(),
                    post: checklist.post.clone(),
                    summary: checklist.summary.clone(),
                    points: Vec::new(),
                })
                .collect(),
            pledge: Pledge {
                version: self.pledge.version,
                title: self.pledge.title.clone(),
                text: Vec::new(),
            },
        }
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
        let unit = match self.lang {
            Lang::ZhHans => "characters",
            Lang::En => "words",
        };
        format!(
            "{} lessons ({} leading cadre, {} department head, {} staff; {} for everyone), {} questions, {} scenarios, {} risk checklists ({} risk points), pledge v{}; {} {unit}",
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
            self.text_amount(),
        )
    }

    /// How much there is to read, in characters (Chinese) or words (English):
    /// lessons, quizzes, scenarios, checklists and the pledge.
    pub fn text_amount(&self) -> usize {
        let amount = |text: &str| text_amount(self.lang, text);
        let blocks = |blocks: &[Block]| {
            blocks
                .iter()
                .map(|b| amount(&b.plain_text()))
                .sum::<usize>()
        };
        let lessons: usize = self
            .lessons
            .iter()
            .map(|l| {
                amount(&l.title)
                    + amount(&l.summary)
                    + blocks(&l.body)
                    + l.quiz
                        .iter()
                        .map(|q| {
                            amount(&q.prompt)
                                + q.options
                                    .iter()
                                    .map(|o| amount(&o.text) + amount(&o.explanation))
                                    .sum::<usize>()
                        })
                        .sum::<usize>()
            })
            .sum();
        let scenarios: usize = self
            .scenarios
            .iter()
            .map(|s| {
                amount(&s.title)
                    + amount(&s.summary)
                    + blocks(&s.debrief)
                    + s.nodes
                        .iter()
                        .map(|n| {
                            blocks(&n.text)
                                + n.choices
                                    .iter()
                                    .map(|c| amount(&c.text) + blocks(&c.consequence))
                                    .sum::<usize>()
                        })
                        .sum::<usize>()
            })
            .sum();
        let checklists: usize = self
            .risk_checklists
            .iter()
            .map(|c| {
                amount(&c.post)
                    + amount(&c.summary)
                    + c.points
                        .iter()
                        .map(|p| {
                            amount(&p.title)
                                + amount(&p.description)
                                + p.measures.iter().map(|m| amount(m)).sum::<usize>()
                        })
                        .sum::<usize>()
            })
            .sum();
        lessons + scenarios + checklists + amount(&self.pledge.title) + blocks(&self.pledge.text)
    }

    /// Every rule one edition must meet before a learner sees it (the rules
    /// between editions are [`Editions::validate`]'s). Empty means usable.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let lang = self.lang;
        let mut add = |place: Place, reason: String| {
            problems.push(Problem {
                lang: Some(lang),
                place,
                reason,
            })
        };
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
            validate_lesson(lesson, self.lang, &mut add);
        }
        QuizShape::of(self).check(&mut add);
        check_branching_share(&self.scenarios, &mut add);
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

fn validate_lesson(lesson: &Lesson, lang: Lang, add: &mut Add<'_>) {
    let place = Place::Lesson(lesson.id.clone());
    non_empty(&lesson.title, "title", &place, add);
    non_empty(&lesson.summary, "summary", &place, add);
    if lesson.tiers.is_empty() {
        add(place.clone(), "names no tier".into());
    }
    if !LESSON_MINUTES.contains(&lesson.minutes) {
        add(
            place.clone(),
            format!(
                "takes {} minutes to read and answer; a lesson takes {} to {} (shorten or split it)",
                lesson.minutes,
                LESSON_MINUTES.start(),
                LESSON_MINUTES.end()
            ),
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
    if !QUIZ_QUESTIONS.contains(&lesson.quiz.len()) {
        add(
            place.clone(),
            format!(
                "quiz has {} questions; {} to {} are required",
                lesson.quiz.len(),
                QUIZ_QUESTIONS.start(),
                QUIZ_QUESTIONS.end()
            ),
        );
    }
    unique_ids(lesson.quiz.iter().map(|q| &q.id), place, "question", add);
    for question in &lesson.quiz {
        validate_question(&lesson.id, question, lang, add);
    }
}

fn validate_question(lesson: &str, question: &Question, lang: Lang, add: &mut Add<'_>) {
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
            let [yes, no] = true_false_texts(lang);
            if texts != [yes, no] {
                add(place.clone(), format!("a true/false question needs the options {yes:?} and {no:?} in this order, has {texts:?}"));
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
    if !SCENARIO_NODES.contains(&scenario.nodes.len()) {
        add(
            place.clone(),
            format!(
                "has {} decision points; {} to {} are required",
                scenario.nodes.len(),
                SCENARIO_NODES.start(),
                SCENARIO_NODES.end()
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
    if state.values().all(|s| *s == 2) {
        let longest = scenario.longest_path();
        if longest < MIN_LONGEST_PATH {
            add(
                place,
                format!("its longest path has {longest} decision points; at least {MIN_LONGEST_PATH} are required"),
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

/// How many questions a lesson's quiz has: enough to test the lesson, few
/// enough for ten spare minutes.
pub const QUIZ_QUESTIONS: std::ops::RangeInclusive<usize> = 4..=6;

/// How long a lesson may take, reading and quiz together (computed, see
/// [`reading_minutes`]).
pub const LESSON_MINUTES: std::ops::RangeInclusive<u32> = 3..=10;

/// Decision points in one scenario.
pub const SCENARIO_NODES: std::ops::RangeInclusive<usize> = 3..=10;

/// Decision points on a scenario's longest path: a story, not a single question.
pub const MIN_LONGEST_PATH: usize = 3;

/// The options of a true/false question in each edition, "true" first.
pub fn true_false_texts(lang: Lang) -> [&'static str; 2] {
    match lang {
        Lang::En => ["True", "False"],
        Lang::ZhHans => ["正确", "错误"],
    }
}

/// The amount of text, in the unit readers of the language count: characters
/// for Chinese (no spaces between words), words for English.
pub fn text_amount(lang: Lang, text: &str) -> usize {
    match lang {
        Lang::ZhHans => text.chars().filter(|c| !c.is_whitespace()).count(),
        Lang::En => text.split_whitespace().count(),
    }
}

/// Minutes to read `body` and answer `questions`: about 400 characters a
/// minute for Chinese, 200 words for English, and half a minute a question.
/// Computed by the content compiler, never written by hand.
pub fn reading_minutes(lang: Lang, body: &[Block], questions: usize) -> u32 {
    let per_minute = match lang {
        Lang::ZhHans => 400.0,
        Lang::En => 200.0,
    };
    let amount: usize = body
        .iter()
        .map(|block| text_amount(lang, &block.plain_text()))
        .sum();
    let minutes = amount as f64 / per_minute + questions as f64 * 0.5;
    minutes.round().max(1.0) as u32
}

/// The shape of one edition's quizzes: the figures that show whether a quiz
/// can be passed without reading (the right answer always the longest, "false"
/// nearly always, one odd option out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuizShape {
    pub single: usize,
    /// Single-choice questions whose correct option is strictly the longest.
    pub correct_longest: usize,
    pub true_false: usize,
    /// True/false questions whose answer is "true".
    pub answer_true: usize,
    pub multiple: usize,
    /// Multiple-choice questions with exactly one wrong option.
    pub one_wrong: usize,
    /// Multiple-choice questions that share the most common number of right
    /// options (if it is always three, "pick three" is a strategy).
    pub same_right_count: usize,
}

/// At most this share of single-choice questions may have the longest option right.
pub const MAX_CORRECT_LONGEST: f64 = 0.35;
/// "True" must be the answer of this share of true/false questions.
pub const TRUE_SHARE: std::ops::RangeInclusive<f64> = 0.35..=0.65;
/// At most this share of multiple-choice questions may have one wrong option.
pub const MAX_ONE_WRONG: f64 = 0.30;
/// The longest option must also be right sometimes, or "never the longest"
/// becomes the giveaway: at least this share, once there are enough questions.
pub const MIN_CORRECT_LONGEST: f64 = 0.15;
/// At most this share of multiple-choice questions may have the same number of
/// right options, once there are enough questions.
pub const MAX_SAME_RIGHT_COUNT: f64 = 0.60;
/// The two "at least / not always" rules apply from this many questions of a
/// kind: a share of a handful of questions says nothing.
pub const SHAPE_SAMPLE: usize = 10;

impl QuizShape {
    pub fn of(pack: &Pack) -> QuizShape {
        let mut shape = QuizShape::default();
        let mut right_counts: HashMap<usize, usize> = HashMap::new();
        for question in pack.lessons.iter().flat_map(|l| &l.quiz) {
            match question.kind {
                QuestionKind::Single => {
                    shape.single += 1;
                    let length = |o: &AnswerOption| o.text.chars().count();
                    let right = question
                        .options
                        .iter()
                        .filter(|o| o.correct)
                        .map(length)
                        .max();
                    let longest_wrong = question
                        .options
                        .iter()
                        .filter(|o| !o.correct)
                        .map(length)
                        .max();
                    if let (Some(right), Some(wrong)) = (right, longest_wrong) {
                        if right > wrong {
                            shape.correct_longest += 1;
                        }
                    }
                }
                QuestionKind::TrueFalse => {
                    shape.true_false += 1;
                    if question.options.first().is_some_and(|o| o.correct) {
                        shape.answer_true += 1;
                    }
                }
                QuestionKind::Multiple => {
                    shape.multiple += 1;
                    if question.options.iter().filter(|o| !o.correct).count() == 1 {
                        shape.one_wrong += 1;
                    }
                    *right_counts
                        .entry(question.options.iter().filter(|o| o.correct).count())
                        .or_default() += 1;
                }
            }
        }
        shape.same_right_count = right_counts.values().copied().max().unwrap_or(0);
        shape
    }

    fn share(part: usize, whole: usize) -> f64 {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    }

    /// The three figures as a line for `cargo xtask content`.
    pub fn describe(&self) -> String {
        format!(
            "longest option right in {}/{} single-choice ({:.0} %), \"true\" in {}/{} true/false ({:.0} %), one wrong option in {}/{} multiple-choice ({:.0} %), the same number of right options in {}/{} multiple-choice",
            self.correct_longest,
            self.single,
            100.0 * Self::share(self.correct_longest, self.single),
            self.answer_true,
            self.true_false,
            100.0 * Self::share(self.answer_true, self.true_false),
            self.one_wrong,
            self.multiple,
            100.0 * Self::share(self.one_wrong, self.multiple),
            self.same_right_count,
            self.multiple,
        )
    }

    fn check(&self, add: &mut Add<'_>) {
        let longest = Self::share(self.correct_longest, self.single);
        if self.single > 0 && longest > MAX_CORRECT_LONGEST {
            add(Place::Pack, format!(
                "the correct option is strictly the longest in {} of {} single-choice questions ({:.0} %, at most {:.0} % allowed): a reader can pass without reading; make wrong options as long and as careful as the right one",
                self.correct_longest, self.single, longest * 100.0, MAX_CORRECT_LONGEST * 100.0));
        }
        let true_share = Self::share(self.answer_true, self.true_false);
        if self.true_false > 0 && !TRUE_SHARE.contains(&true_share) {
            add(Place::Pack, format!(
                "\"true\" is the answer to {} of {} true/false questions ({:.0} %); it must be between {:.0} % and {:.0} %",
                self.answer_true, self.true_false, true_share * 100.0, TRUE_SHARE.start() * 100.0, TRUE_SHARE.end() * 100.0));
        }
        if self.single >= SHAPE_SAMPLE && longest < MIN_CORRECT_LONGEST {
            add(Place::Pack, format!(
                "the correct option is the longest in only {} of {} single-choice questions ({:.0} %, at least {:.0} % required): \"never the longest\" gives the answer away too",
                self.correct_longest, self.single, longest * 100.0, MIN_CORRECT_LONGEST * 100.0));
        }
        let same = Self::share(self.same_right_count, self.multiple);
        if self.multiple >= SHAPE_SAMPLE && same > MAX_SAME_RIGHT_COUNT {
            add(Place::Pack, format!(
                "{} of {} multiple-choice questions have the same number of right options ({:.0} %, at most {:.0} % allowed): vary how many are right",
                self.same_right_count, self.multiple, same * 100.0, MAX_SAME_RIGHT_COUNT * 100.0));
        }
        let one_wrong = Self::share(self.one_wrong, self.multiple);
        if self.multiple > 0 && one_wrong > MAX_ONE_WRONG {
            add(Place::Pack, format!(
                "{} of {} multiple-choice questions have exactly one wrong option ({:.0} %, at most {:.0} % allowed): give them two or more plausible wrong options",
                self.one_wrong, self.multiple, one_wrong * 100.0, MAX_ONE_WRONG * 100.0));
        }
    }
}

/// At least half of the scenarios must really branch: some decision whose
/// choices lead on to different decision points.
fn check_branching_share(scenarios: &[Scenario], add: &mut Add<'_>) {
    let branching = scenarios.iter().filter(|s| s.branches()).count();
    if !scenarios.is_empty() && branching * 2 < scenarios.len() {
        let straight: Vec<&str> = scenarios
            .iter()
            .filter(|s| !s.branches())
            .map(|s| s.id.as_str())
            .collect();
        add(Place::Pack, format!(
            "only {branching} of {} scenarios branch (a decision whose choices lead on to different decision points); at least half must. Straight ones: {}",
            scenarios.len(), straight.join(", ")));
    }
}

impl Scenario {
    /// Does some decision lead on to two different decision points?
    pub fn branches(&self) -> bool {
        self.nodes.iter().any(|node| {
            let nexts: HashSet<&str> = node
                .choices
                .iter()
                .filter_map(|c| c.next.as_deref())
                .collect();
            nexts.len() >= 2
        })
    }

    /// The number of decision points on the longest path from the start
    /// (assumes no cycles: validation checks that first).
    pub fn longest_path(&self) -> usize {
        fn depth<'a>(
            scenario: &'a Scenario,
            id: &'a str,
            seen: &mut HashMap<&'a str, usize>,
            guard: usize,
        ) -> usize {
            if let Some(d) = seen.get(id) {
                return *d;
            }
            if guard > scenario.nodes.len() {
                return 0;
            }
            let Some(node) = scenario.nodes.iter().find(|n| n.id == id) else {
                return 0;
            };
            let below = node
                .choices
                .iter()
                .filter_map(|c| c.next.as_deref())
                .map(|next| depth(scenario, next, seen, guard + 1))
                .max()
                .unwrap_or(0);
            seen.insert(id, below + 1);
            below + 1
        }
        depth(self, &self.start, &mut HashMap::new(), 0)
    }
}

/// Every language edition of one version of the content, published and
/// checked together: the same ids and the same structure in each, so progress
/// (which refers to ids only) never depends on the language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Editions {
    /// A hash of all editions; every pack carries it as its `version`.
    pub version: String,
    /// The primary edition (Simplified Chinese) first.
    pub packs: Vec<Pack>,
}

impl Editions {
    /// Sets the common version from the editions' content.
    pub fn seal(mut packs: Vec<Pack>) -> Editions {
        packs.sort_by_key(|p| Lang::EDITIONS.iter().position(|l| *l == p.lang));
        let version = Self::hash_of(&packs);
        for pack in &mut packs {
            pack.version = version.clone();
        }
        Editions { version, packs }
    }

    fn hash_of(packs: &[Pack]) -> String {
        let hashes: Vec<String> = packs.iter().map(Pack::content_hash).collect();
        crate::hash::fnv1a64_hex(hashes.join("+").as_bytes())
    }

    /// The edition in `lang`, if present.
    pub fn edition(&self, lang: Lang) -> Option<&Pack> {
        self.packs.iter().find(|p| p.lang == lang)
    }

    /// The edition for a reader of `lang`: theirs, else the primary one.
    pub fn for_reader(&self, lang: Lang) -> Option<&Pack> {
        self.edition(lang).or_else(|| self.packs.first())
    }

    /// One line per edition: what it holds and its quiz shape.
    pub fn summary(&self) -> String {
        self.packs
            .iter()
            .map(|p| {
                format!(
                    "{}: {}\n  quiz shape: {}",
                    p.lang.tag(),
                    p.summary(),
                    QuizShape::of(p).describe()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every rule the set must meet: each edition valid, each language once,
    /// the version matching the content, and every edition with the primary
    /// edition's structure. Empty means usable.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut whole = |reason: String| {
            problems.push(Problem {
                lang: None,
                place: Place::Pack,
                reason,
            })
        };
        for lang in Lang::EDITIONS {
            let count = self.packs.iter().filter(|p| p.lang == lang).count();
            if count != 1 {
                whole(format!(
                    "has {count} editions in {}; exactly one is required",
                    lang.tag()
                ));
            }
        }
        if self.packs.len() != Lang::EDITIONS.len() {
            whole(format!(
                "has {} editions; {} are required",
                self.packs.len(),
                Lang::EDITIONS.len()
            ));
        }
        let hash = Self::hash_of(&self.packs);
        if self.version != hash {
            whole(format!(
                "version {:?} does not match the content's hash {hash}",
                self.version
            ));
        }
        for pack in &self.packs {
            if pack.version != self.version {
                problems.push(Problem {
                    lang: Some(pack.lang),
                    place: Place::Pack,
                    reason: format!(
                        "carries version {:?}, the set is {:?}",
                        pack.version, self.version
                    ),
                });
            }
            problems.extend(pack.validate());
        }
        if let Some(primary) = self.packs.first() {
            for other in &self.packs[1..] {
                problems.extend(parity(primary, other));
            }
        }
        problems
    }
}

/// Where `other` does not have the structure of `primary`.
pub fn parity(primary: &Pack, other: &Pack) -> Vec<Problem> {
    let mut problems = Vec::new();
    let from = primary.lang.tag();
    let mut add = |place: Place, what: String| {
        problems.push(Problem {
            lang: Some(other.lang),
            place,
            reason: format!("differs from the {from} edition: {what}"),
        })
    };
    same_ids(
        primary.lessons.iter().map(|l| &l.id),
        other.lessons.iter().map(|l| &l.id),
        Place::Pack,
        "lessons",
        &mut add,
    );
    for b in &other.lessons {
        let Some(a) = primary.lesson(&b.id) else {
            continue;
        };
        let place = Place::Lesson(b.id.clone());
        if a.tiers != b.tiers {
            add(
                place.clone(),
                format!("tiers {:?}, there {:?}", b.tiers, a.tiers),
            );
        }
        if a.topics != b.topics {
            add(
                place.clone(),
                format!("topics {:?}, there {:?}", b.topics, a.topics),
            );
        }
        same_ids(
            a.quiz.iter().map(|q| &q.id),
            b.quiz.iter().map(|q| &q.id),
            place,
            "quiz questions",
            &mut add,
        );
        for qb in &b.quiz {
            let Some(qa) = a.quiz.iter().find(|q| q.id == qb.id) else {
                continue;
            };
            let place = Place::Question(b.id.clone(), qb.id.clone());
            if qa.kind != qb.kind {
                add(
                    place.clone(),
                    format!("kind {:?}, there {:?}", qb.kind, qa.kind),
                );
            }
            let flags = |q: &Question| q.options.iter().map(|o| o.correct).collect::<Vec<_>>();
            if qa.options.len() != qb.options.len() {
                add(
                    place,
                    format!("{} options, there {}", qb.options.len(), qa.options.len()),
                );
            } else if flags(qa) != flags(qb) {
                let right = |q: &Question| {
                    q.options
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| o.correct)
                        .map(|(i, _)| (i + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                add(
                    place,
                    format!("correct option(s) {}, there {}", right(qb), right(qa)),
                );
            }
        }
    }
    same_ids(
        primary.scenarios.iter().map(|s| &s.id),
        other.scenarios.iter().map(|s| &s.id),
        Place::Pack,
        "scenarios",
        &mut add,
    );
    for b in &other.scenarios {
        let Some(a) = primary.scenario(&b.id) else {
            continue;
        };
        let place = Place::Scenario(b.id.clone());
        if a.tiers != b.tiers {
            add(
                place.clone(),
                format!("tiers {:?}, there {:?}", b.tiers, a.tiers),
            );
        }
        if a.start != b.start {
            add(
                place.clone(),
                format!("start {:?}, there {:?}", b.start, a.start),
            );
        }
        if a.lessons != b.lessons {
            add(
                place.clone(),
                format!("debrief lessons {:?}, there {:?}", b.lessons, a.lessons),
            );
        }
        same_ids(
            a.nodes.iter().map(|n| &n.id),
            b.nodes.iter().map(|n| &n.id),
            place,
            "decision points",
            &mut add,
        );
        for nb in &b.nodes {
            let Some(na) = a.nodes.iter().find(|n| n.id == nb.id) else {
                continue;
            };
            let place = Place::Node(b.id.clone(), nb.id.clone());
            if na.choices.len() != nb.choices.len() {
                add(
                    place,
                    format!("{} choices, there {}", nb.choices.len(), na.choices.len()),
                );
                continue;
            }
            for (n, (ca, cb)) in na.choices.iter().zip(&nb.choices).enumerate() {
                if ca.verdict != cb.verdict {
                    add(
                        place.clone(),
                        format!(
                            "choice {} is {:?}, there {:?}",
                            n + 1,
                            cb.verdict,
                            ca.verdict
                        ),
                    );
                }
                if ca.next != cb.next {
                    add(
                        place.clone(),
                        format!(
                            "choice {} leads to {:?}, there {:?}",
                            n + 1,
                            cb.next,
                            ca.next
                        ),
                    );
                }
            }
        }
    }
    same_ids(
        primary.risk_checklists.iter().map(|c| &c.id),
        other.risk_checklists.iter().map(|c| &c.id),
        Place::Pack,
        "risk checklists",
        &mut add,
    );
    for b in &other.risk_checklists {
        let Some(a) = primary.checklist(&b.id) else {
            continue;
        };
        same_ids(
            a.points.iter().map(|p| &p.id),
            b.points.iter().map(|p| &p.id),
            Place::Checklist(b.id.clone()),
            "risk points",
            &mut add,
        );
        for pb in &b.points {
            let Some(pa) = a.points.iter().find(|p| p.id == pb.id) else {
                continue;
            };
            let place = Place::RiskPoint(b.id.clone(), pb.id.clone());
            if pa.measures.len() != pb.measures.len() {
                add(
                    place.clone(),
                    format!(
                        "{} measures, there {}",
                        pb.measures.len(),
                        pa.measures.len()
                    ),
                );
            }
            if pa.lessons != pb.lessons || pa.scenarios != pb.scenarios {
                add(
                    place,
                    format!(
                        "links lessons {:?} and scenarios {:?}, there {:?} and {:?}",
                        pb.lessons, pb.scenarios, pa.lessons, pa.scenarios
                    ),
                );
            }
        }
    }
    if primary.pledge.version != other.pledge.version {
        add(
            Place::Pledge,
            format!(
                "version {}, there {}",
                other.pledge.version, primary.pledge.version
            ),
        );
    }
    problems
}

/// The same ids in the same order, or a problem naming what is missing,
/// extra or out of order.
fn same_ids<'a>(
    primary: impl Iterator<Item = &'a String>,
    other: impl Iterator<Item = &'a String>,
    place: Place,
    what: &str,
    add: &mut Add<'_>,
) {
    let a: Vec<&String> = primary.collect();
    let b: Vec<&String> = other.collect();
    if a == b {
        return;
    }
    let missing: Vec<&str> = a
        .iter()
        .filter(|id| !b.contains(id))
        .map(|s| s.as_str())
        .collect();
    let extra: Vec<&str> = b
        .iter()
        .filter(|id| !a.contains(id))
        .map(|s| s.as_str())
        .collect();
    if missing.is_empty() && extra.is_empty() {
        add(place, format!("{what} in another order"));
    } else {
        add(
            place,
            format!("{what}: missing {missing:?}, extra {extra:?}"),
        );
    }
}

/// The order in which to show a question's options during one attempt: a
/// shuffle drawn from the attempt's `seed` and the question's id, so it is new
/// for each attempt and stable within it (a re-render shows the same order).
/// Every kind is shuffled, true/false too, so no position carries a hint.
/// Answers are still recorded by the option's index in the pack.
pub fn option_order(question: &Question, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..question.options.len()).collect();
    let mut state = seed ^ crate::hash::fnv1a64(question.id.as_bytes());
    // splitmix64: small, well mixed, the same on every platform.
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..order.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, options: usize) -> Question {
        Question {
            id: "q1".into(),
            kind,
            prompt: "?".into(),
            options: (0..options)
                .map(|i| AnswerOption {
                    text: format!("option {i}"),
                    correct: i == 0,
                    explanation: "why".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn option_order_is_a_stable_permutation() {
        let q = question(QuestionKind::Single, 4);
        for seed in 0..200 {
            let order = option_order(&q, seed);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3]);
            assert_eq!(order, option_order(&q, seed), "stable within an attempt");
        }
    }

    #[test]
    fn option_order_changes_between_attempts_and_spreads_the_right_answer() {
        let q = question(QuestionKind::Multiple, 4);
        let mut first_position = [0usize; 4];
        let mut orders = HashSet::new();
        for seed in 0..4000u64 {
            let order = option_order(&q, seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
            first_position[order.iter().position(|&o| o == 0).unwrap()] += 1;
            orders.insert(order);
        }
        assert_eq!(orders.len(), 24, "every order of four options occurs");
        for count in first_position {
            assert!((800..1200).contains(&count), "{first_position:?}");
        }
    }

    fn lesson(title: &str, body: &str) -> Lesson {
        Lesson {
            id: "l".into(),
            title: title.into(),
            summary: String::new(),
            tiers: vec![Tier::Staff],
            minutes: 5,
            topics: vec!["self-discipline".into()],
            body: vec![Block::Paragraph {
                spans: vec![Span {
                    text: body.into(),
                    ..Span::default()
                }],
            }],
            quiz: Vec::new(),
        }
    }

    #[test]
    fn search_finds_chinese_inside_words() {
        let l = lesson("礼品礼金登记上交", "无法当场拒收的，应及时上交并登记。");
        assert!(l.matches("登记", &["廉洁自律"]));
        assert!(l.matches("礼金", &[]));
        assert!(
            l.matches("上交　登记", &[]),
            "a full-width space separates words"
        );
        assert!(l.matches("拒收，登记", &[]));
        assert!(
            l.matches("自律", &["廉洁自律"]),
            "topics in the reader's language"
        );
        assert!(!l.matches("红包", &["廉洁自律"]));
        assert!(!l.matches("登记 红包", &[]), "every word must be found");
        assert!(l.matches("  ", &[]));
    }

    #[test]
    fn search_ignores_case_in_english() {
        let l = lesson("Gifts and the Register", "Hand it in and register it.");
        assert!(l.matches("REGISTER gifts", &[]));
        assert!(l.matches("regist", &[]));
        assert!(!l.matches("mooncakes", &["Self-discipline"]));
    }

    fn shape_problems(shape: QuizShape) -> Vec<String> {
        let mut problems = Vec::new();
        shape.check(&mut |_, reason| problems.push(reason));
        problems
    }

    #[test]
    fn a_longest_option_that_is_never_right_fails_once_there_are_enough_questions() {
        let base = QuizShape {
            single: 20,
            correct_longest: 4,
            ..QuizShape::default()
        };
        assert!(shape_problems(base).is_empty(), "20 % is fine");
        let never = QuizShape {
            correct_longest: 0,
            ..base
        };
        assert!(shape_problems(never)[0].contains("only 0 of 20"));
        let few = QuizShape {
            single: 3,
            correct_longest: 0,
            ..QuizShape::default()
        };
        assert!(
            shape_problems(few).is_empty(),
            "three questions say nothing"
        );
    }

    #[test]
    fn always_the_same_number_of_right_options_fails() {
        let varied = QuizShape {
            multiple: 12,
            same_right_count: 7,
            ..QuizShape::default()
        };
        assert!(shape_problems(varied).is_empty());
        let always_three = QuizShape {
            same_right_count: 12,
            ..varied
        };
        assert!(shape_problems(always_three)[0]
            .contains("12 of 12 multiple-choice questions have the same number"));
    }

    #[test]
    fn true_false_is_shuffled_too() {
        let q = question(QuestionKind::TrueFalse, 2);
        let true_first = (0..200u64)
            .filter(|seed| option_order(&q, seed.wrapping_mul(0x9e37_79b9)) == [0, 1])
            .count();
        assert!((60..140).contains(&true_first), "{true_first} of 200");
    }
}
