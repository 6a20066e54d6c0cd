//! Turning the human-edited sources in `content/` into a [`Pack`]: TOML front
//! matter and Markdown parsed once, at build time, into the block tree the app
//! renders. Every problem is reported with its file, line and reason.

use crate::content::{
    reading_minutes, Block, Choice, Editions, Lesson, Pack, Place, Pledge, Question, RiskChecklist,
    Scenario, ScenarioNode, Span, Verdict,
};
use crate::settings::{Lang, Tier};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A problem in a source file, located for the author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub file: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFront {
    id: String,
    title: String,
    summary: String,
    tiers: Vec<Tier>,
    topics: Vec<String>,
    quiz: Vec<Question>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioSource {
    id: String,
    title: String,
    summary: String,
    tiers: Vec<Tier>,
    start: String,
    #[serde(default)]
    lessons: Vec<String>,
    debrief: String,
    nodes: Vec<NodeSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeSource {
    id: String,
    text: String,
    choices: Vec<ChoiceSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceSource {
    text: String,
    verdict: Verdict,
    consequence: String,
    next: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PledgeSource {
    version: u32,
    title: String,
    text: String,
}

/// Reads both editions under `content` (`content/zh-Hans/`, `content/en/`),
/// checks each and the two against each other, and builds the set; all
/// problems at once, each with its file and line.
pub fn compile_editions(content: &Path) -> Result<Editions, Vec<SourceError>> {
    let mut errors = Vec::new();
    let mut packs = Vec::new();
    for lang in Lang::EDITIONS {
        if let Some(pack) = compile_edition(&content.join(lang.tag()), lang, &mut errors) {
            packs.push(pack);
        }
    }
    if packs.len() != Lang::EDITIONS.len() {
        return Err(errors);
    }
    // Files that could not be parsed are reported above; what did parse is
    // still checked, so an author sees every problem in one run.
    let editions = Editions::seal(packs);
    for problem in editions.validate() {
        let dir = match problem.lang {
            Some(lang) => content.join(lang.tag()),
            None => content.to_owned(),
        };
        errors.push(locate(&dir, &problem.place, problem.to_string()));
    }
    if errors.is_empty() {
        Ok(editions)
    } else {
        Err(errors)
    }
}

/// Reads the sources of one edition (`dir` holds `lessons/`, `scenarios/`,
/// `risks/` and `pledge.toml`); `None` when a file could not be read at all.
fn compile_edition(dir: &Path, lang: Lang, errors: &mut Vec<SourceError>) -> Option<Pack> {
    let mut lessons = Vec::new();
    for file in files_with(&dir.join("lessons"), "md", errors) {
        if let Some(lesson) =
            read(&file, errors).and_then(|text| parse_lesson(&file, &text, lang, errors))
        {
            lessons.push(lesson);
        }
    }
    let mut scenarios = Vec::new();
    for file in files_with(&dir.join("scenarios"), "toml", errors) {
        if let Some(scenario) =
            read(&file, errors).and_then(|text| parse_scenario(&file, &text, errors))
        {
            scenarios.push(scenario);
        }
    }
    let mut risk_checklists = Vec::new();
    for file in files_with(&dir.join("risks"), "toml", errors) {
        if let Some(text) = read(&file, errors) {
            match toml::from_str::<RiskChecklist>(&text) {
                Ok(checklist) => {
                    check_file_name(&file, &text, &checklist.id, errors);
                    risk_checklists.push(checklist);
                }
                Err(err) => errors.push(toml_error(&file, &text, 0, &err)),
            }
        }
    }
    let pledge_file = dir.join("pledge.toml");
    let pledge =
        read(&pledge_file, errors).and_then(|text| match toml::from_str::<PledgeSource>(&text) {
            Ok(source) => Some(Pledge {
                version: source.version,
                title: source.title,
                text: markdown_blocks(
                    &pledge_file,
                    &text,
                    line_of(&text, "text"),
                    &source.text,
                    errors,
                ),
            }),
            Err(err) => {
                errors.push(toml_error(&pledge_file, &text, 0, &err));
                None
            }
        });
    Some(Pack {
        version: String::new(),
        lang,
        lessons,
        scenarios,
        risk_checklists,
        pledge: pledge?,
    })
}

fn files_with(dir: &Path, ext: &str, errors: &mut Vec<SourceError>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            errors.push(SourceError {
                file: dir.to_owned(),
                line: 0,
                reason: format!("cannot list: {err}"),
            });
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn read(file: &Path, errors: &mut Vec<SourceError>) -> Option<String> {
    match std::fs::read_to_string(file) {
        Ok(text) => Some(text),
        Err(err) => {
            errors.push(SourceError {
                file: file.to_owned(),
                line: 0,
                reason: format!("cannot read: {err}"),
            });
            None
        }
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The first line that starts (after spaces) with `key`, or 1.
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| line.trim_start().starts_with(key))
        .map_or(1, |n| n + 1)
}

fn toml_error(file: &Path, text: &str, base_offset: usize, err: &toml::de::Error) -> SourceError {
    let line = err
        .span()
        .map_or(1, |span| line_at(text, base_offset + span.start));
    SourceError {
        file: file.to_owned(),
        line,
        reason: err.message().to_owned(),
    }
}

fn check_file_name(file: &Path, text: &str, id: &str, errors: &mut Vec<SourceError>) {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem != id {
        errors.push(SourceError {
            file: file.to_owned(),
            line: line_of(text, "id"),
            reason: format!("id {id:?} differs from the file name {stem:?}"),
        });
    }
}

fn parse_lesson(
    file: &Path,
    text: &str,
    lang: Lang,
    errors: &mut Vec<SourceError>,
) -> Option<Lesson> {
    let Some(rest) = text.strip_prefix("+++\n") else {
        errors.push(SourceError {
            file: file.to_owned(),
            line: 1,
            reason: "a lesson starts with a `+++` line and TOML front matter".into(),
        });
        return None;
    };
    let Some(end) = rest.find("\n+++\n") else {
        errors.push(SourceError {
            file: file.to_owned(),
            line: 1,
            reason: "the front matter has no closing `+++` line".into(),
        });
        return None;
    };
    let front_text = &rest[..end + 1];
    let front: LessonFront = match toml::from_str(front_text) {
        Ok(front) => front,
        Err(err) => {
            errors.push(toml_error(file, text, 4, &err));
            return None;
        }
    };
    check_file_name(file, text, &front.id, errors);
    let body_offset = 4 + end + 5;
    let body_line = line_at(text, body_offset);
    let body = markdown_blocks(file, text, body_line, &text[body_offset..], errors);
    Some(Lesson {
        minutes: reading_minutes(lang, &body, front.quiz.len()),
        id: front.id,
        title: front.title,
        summary: front.summary,
        tiers: front.tiers,
        topics: front.topics,
        body,
        quiz: front.quiz,
    })
}

fn parse_scenario(file: &Path, text: &str, errors: &mut Vec<SourceError>) -> Option<Scenario> {
    let source: ScenarioSource = match toml::from_str(text) {
        Ok(source) => source,
        Err(err) => {
            errors.push(toml_error(file, text, 0, &err));
            return None;
        }
    };
    check_file_name(file, text, &source.id, errors);
    let line = line_of(text, "debrief");
    let debrief = markdown_blocks(file, text, line, &source.debrief, errors);
    let nodes = source
        .nodes
        .into_iter()
        .map(|node| {
            let line = line_of(text, &format!("id = \"{}\"", node.id));
            ScenarioNode {
                text: markdown_blocks(file, text, line, &node.text, errors),
                choices: node
                    .choices
                    .into_iter()
                    .map(|choice| Choice {
                        consequence: markdown_blocks(file, text, line, &choice.consequence, errors),
                        text: choice.text,
                        verdict: choice.verdict,
                        next: choice.next,
                    })
                    .collect(),
                id: node.id,
            }
        })
        .collect();
    Some(Scenario {
        id: source.id,
        title: source.title,
        summary: source.summary,
        tiers: source.tiers,
        start: source.start,
        lessons: source.lessons,
        debrief,
        nodes,
    })
}

/// Finds the file and line a validation problem belongs to.
fn locate(dir: &Path, place: &Place, reason: String) -> SourceError {
    let (file, key) = match place {
        Place::Pack => (dir.to_owned(), None),
        Place::Lesson(id) => (dir.join("lessons").join(format!("{id}.md")), None),
        Place::Question(lesson, q) => (
            dir.join("lessons").join(format!("{lesson}.md")),
            Some(format!("id = \"{q}\"")),
        ),
        Place::Scenario(id) => (dir.join("scenarios").join(format!("{id}.toml")), None),
        Place::Node(s, n) => (
            dir.join("scenarios").join(format!("{s}.toml")),
            Some(format!("id = \"{n}\"")),
        ),
        Place::Checklist(id) => (dir.join("risks").join(format!("{id}.toml")), None),
        Place::RiskPoint(c, p) => (
            dir.join("risks").join(format!("{c}.toml")),
            Some(format!("id = \"{p}\"")),
        ),
        Place::Pledge => (dir.join("pledge.toml"), None),
    };
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let line = match key {
        Some(key) => line_of(&text, &key),
        None => 1,
    };
    SourceError { file, line, reason }
}

/// Markdown to blocks, refusing what a lesson must not contain (raw HTML,
/// links, images, code blocks, nested lists). `first_line` is where `markdown`
/// starts in `whole` (for error lines).
pub(crate) fn markdown_blocks(
    file: &Path,
    whole: &str,
    first_line: usize,
    markdown: &str,
    errors: &mut Vec<SourceError>,
) -> Vec<Block> {
    let _ = whole;
    let mut blocks = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    let mut items: Vec<Vec<Span>> = Vec::new();
    let mut quote: Option<Vec<Vec<Span>>> = None;
    let mut list: Option<bool> = None;
    let mut list_depth = 0;
    let (mut strong, mut emphasis) = (0u32, 0u32);
    let mut refuse = |offset: usize, reason: &str| {
        errors.push(SourceError {
            file: file.to_owned(),
            line: first_line + line_at(markdown, offset) - 1,
            reason: reason.to_owned(),
        });
    };
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                if !matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                    refuse(
                        range.start,
                        "use `##` or `###` headings: the page gives the title",
                    );
                }
            }
            Event::End(TagEnd::Heading(level)) => {
                let level = if level == HeadingLevel::H3 { 3 } else { 2 };
                blocks.push(Block::Heading {
                    level,
                    spans: std::mem::take(&mut spans),
                });
            }
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Item) => {}
            Event::End(TagEnd::Paragraph) => {
                let paragraph = std::mem::take(&mut spans);
                if list.is_some() {
                    // A loose list item: keep its words in the item.
                    spans = paragraph;
                } else if let Some(quote) = quote.as_mut() {
                    quote.push(paragraph);
                } else {
                    blocks.push(Block::Paragraph { spans: paragraph });
                }
            }
            Event::Start(Tag::List(start)) => {
                list_depth += 1;
                if list_depth > 1 {
                    refuse(
                        range.start,
                        "nested lists are not supported: flatten the list",
                    );
                }
                list = Some(start.is_some());
            }
            Event::End(TagEnd::Item) => {
                if list_depth == 1 {
                    items.push(std::mem::take(&mut spans));
                }
            }
            Event::End(TagEnd::List(_)) => {
                list_depth -= 1;
                if list_depth == 0 {
                    let ordered = list.take().unwrap_or(false);
                    blocks.push(Block::List {
                        ordered,
                        items: std::mem::take(&mut items),
                    });
                }
            }
            Event::Start(Tag::BlockQuote(_)) => quote = Some(Vec::new()),
            Event::End(TagEnd::BlockQuote(_)) => {
                if let Some(paragraphs) = quote.take() {
                    blocks.push(Block::Quote { paragraphs });
                }
            }
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Start(Tag::Emphasis) => emphasis += 1,
            Event::End(TagEnd::Emphasis) => emphasis = emphasis.saturating_sub(1),
            Event::Text(text) | Event::Code(text) => {
                push_text(&mut spans, &text, strong > 0, emphasis > 0)
            }
            Event::SoftBreak | Event::HardBreak => {
                push_text(&mut spans, " ", strong > 0, emphasis > 0)
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                refuse(range.start, "raw HTML is not allowed in content")
            }
            Event::Start(Tag::Link { .. }) => {
                refuse(range.start, "links are not allowed in content")
            }
            Event::Start(Tag::Image { .. }) => {
                refuse(range.start, "images are not allowed in content")
            }
            Event::Start(Tag::CodeBlock(_)) => {
                refuse(range.start, "code blocks are not allowed in content")
            }
            Event::Rule => {}
            Event::Start(_) | Event::End(_) => {
                refuse(range.start, "this Markdown construct is not supported")
            }
            _ => refuse(range.start, "this Markdown construct is not supported"),
        }
    }
    blocks
}

/// Appends text, merging with the previous span when the emphasis matches.
fn push_text(spans: &mut Vec<Span>, text: &str, strong: bool, emphasis: bool) {
    if let Some(last) = spans.last_mut() {
        if last.strong == strong && last.emphasis == emphasis {
            last.text.push_str(text);
            return;
        }
    }
    spans.push(Span {
        text: text.to_owned(),
        strong,
        emphasis,
    });
}
