//! What a learner has done, derived by folding the event log. Never stored as
//! the truth: the same events, in any order and with any duplicates, always
//! give the same progress.

use crate::calendar::{self, Day, MS_PER_DAY};
use crate::content::Pack;
#[cfg(doc)]
use crate::events::merge;
use crate::events::{sort_key, Event, EventKind};
use crate::settings::Tier;
use std::collections::{BTreeMap, BTreeSet, HashSet};

mod snapshot;
pub use snapshot::{FoldSnapshot, SNAPSHOT_VERSION};

/// Leitner boxes: a missed question comes back after 1 day, then 3, 7, 14 and
/// 30 days while it is answered right; right in the last box, it is known.
pub const REVIEW_INTERVAL_DAYS: [i64; 5] = [1, 3, 7, 14, 30];
/// A quiz counts as mastered from this share of right answers (percent).
pub const MASTERY_PERCENT: u32 = 80;
/// Study-plan credits for attending a group study session (集体学习), on top of
/// the daily cap.
pub const ATTENDANCE_CREDITS: u32 = 2;
/// Study-plan credits: one per this many active minutes …
pub const MINUTES_PER_CREDIT: u32 = 10;
/// … plus this many for each lesson quiz mastered for the first time …
pub const CREDITS_PER_MASTERY: u32 = 2;
/// … at most this many a day, so credits reward regular study, not cramming.
pub const DAILY_CREDIT_CAP: u32 = 6;
/// Study time counted for one day at most (seconds): a day has no more.
pub const MAX_DAY_SECONDS: u32 = 24 * 60 * 60;
/// Credits to earn each quarter.
pub const QUARTER_CREDIT_TARGET: u32 = 30;
/// A risk self-check should be redone after a year.
pub const RISK_RECHECK_DAYS: i64 = 365;
/// Today offers a scenario when none was played in this many days.
pub const SCENARIO_EVERY_DAYS: i64 = 7;

/// One question in the review queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewCard {
    pub lesson: String,
    pub question: String,
    /// 1 to 5.
    pub level: u8,
    /// When it should be asked again (ms UTC).
    pub due: i64,
}

/// A lesson's quiz results.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuizRecord {
    pub attempts: u32,
    pub best_score: u32,
    pub last_score: u32,
    pub total: u32,
    /// When the quiz was first mastered, if it was.
    pub mastered_at: Option<i64>,
}

impl QuizRecord {
    pub fn best_percent(&self) -> u32 {
        (u64::from(self.best_score) * 100)
            .checked_div(u64::from(self.total))
            .map_or(0, |p| p.min(u64::from(u32::MAX)) as u32)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScenarioRecord {
    pub times: u32,
    pub best_sound: u32,
    pub total: u32,
    pub last_at: i64,
}

/// One rated risk point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskRating {
    pub likelihood: u8,
    pub impact: u8,
    pub measure: String,
}

impl RiskRating {
    /// Likelihood × impact, 1 to 25: the order of the risk map.
    pub fn score(&self) -> u32 {
        u32::from(self.likelihood) * u32::from(self.impact)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskRecord {
    pub ratings: BTreeMap<String, RiskRating>,
    pub completed_at: Option<i64>,
}

/// Everything derived from the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Lesson id → when first marked done.
    pub lessons_done: BTreeMap<String, i64>,
    pub quizzes: BTreeMap<String, QuizRecord>,
    /// (lesson, question) → card.
    pub review: BTreeMap<(String, String), ReviewCard>,
    pub scenarios: BTreeMap<String, ScenarioRecord>,
    pub reflections: BTreeMap<String, String>,
    pub electives: BTreeSet<String>,
    pub risk: BTreeMap<String, RiskRecord>,
    pub pledges: BTreeSet<u32>,
    /// Local day → active study seconds.
    pub seconds_by_day: BTreeMap<Day, u32>,
    /// Local days with any study.
    pub study_days: BTreeSet<Day>,
    /// Local day → credits earned (capped).
    pub credits_by_day: BTreeMap<Day, u32>,
    /// Study session id → when this learner checked in (first check-in).
    /// Counts as attended here at once; the server confirms it, and the app
    /// voids a check-in the server refused.
    pub sessions_attended: BTreeMap<i64, i64>,
    /// Study session id → the learner's reflection on it.
    pub session_reflections: BTreeMap<i64, String>,
    /// How many events were folded (after de-duplication and voids).
    pub events: usize,
}

/// Folds the log into progress. `offset_minutes` is the device's offset east
/// of UTC, for bucketing days.
pub fn fold(events: &[Event], offset_minutes: i32) -> Progress {
    Folder::new(events, offset_minutes).progress()
}

/// A fold that can go on: the app keeps one and adds each event it records,
/// instead of folding the whole log again, which with years of history (tens
/// of thousands of events) took long enough to be felt after every answer.
/// It takes only what extends the log in the fold's order; anything else (an
/// earlier time, a void, an id seen before) asks for a new fold, which gives
/// the same progress as [`fold`] by construction.
#[derive(Clone, Debug, Default)]
pub struct Folder {
    offset_minutes: i32,
    /// Everything but the credits, which are derived when read.
    progress: Progress,
    mastery_by_day: BTreeMap<Day, u32>,
    /// Hashes of the ids folded (a collision only costs a new fold).
    ids: HashSet<u64>,
    /// Resumed from a [`FoldSnapshot`], which does not keep them: `ids`
    /// holds only those added since, until [`Folder::learn_covered`].
    covered_ids_unknown: bool,
    /// Ids named by void events.
    voided: HashSet<String>,
    /// The fold order's position of the last event folded.
    last: Option<(i64, String, u64, String)>,
}

impl Folder {
    /// Folds the whole log. Copies of one id keep the lexically smallest JSON
    /// (as [`merge`] does), so the result never depends on the order.
    pub fn new(events: &[Event], offset_minutes: i32) -> Folder {
        let mut by_id: std::collections::HashMap<&str, &Event> =
            std::collections::HashMap::with_capacity(events.len());
        for event in events {
            by_id
                .entry(event.id.as_str())
                .and_modify(|kept| {
                    if *kept != event && canonical(event) < canonical(kept) {
                        *kept = event;
                    }
                })
                .or_insert(event);
        }
        let mut ordered: Vec<&Event> = by_id.into_values().collect();
        ordered.sort_by(|x, y| sort_key(x).cmp(&sort_key(y)).then_with(|| x.id.cmp(&y.id)));
        let mut folder = Folder {
            offset_minutes,
            ids: HashSet::with_capacity(ordered.len()),
            ..Folder::default()
        };
        for event in &ordered {
            if let EventKind::Void { target } = &event.kind {
                folder.voided.insert(target.clone());
            }
        }
        for event in &ordered {
            folder.ids.insert(id_hash(&event.id));
            if !folder.voided.contains(&event.id) {
                folder.apply(event);
            }
        }
        folder.last = ordered.last().map(|e| position(e));
        folder
    }

    /// Adds one event when it extends the log in the fold's order; `false`
    /// (and nothing changed) when only a new fold can take it in.
    pub fn append(&mut self, event: &Event) -> bool {
        let here = position(event);
        if self.last.as_ref().is_some_and(|last| here <= *last)
            || matches!(event.kind, EventKind::Void { .. })
            || self.ids.contains(&id_hash(&event.id))
        {
            return false;
        }
        self.ids.insert(id_hash(&event.id));
        if !self.voided.contains(&event.id) {
            self.apply(event);
        }
        self.last = Some(here);
        true
    }

    /// The progress so far, credits included.
    pub fn progress(&self) -> Progress {
        let mut p = self.progress.clone();
        p.credits_by_day = credits_by_day(&p.seconds_by_day, &self.mastery_by_day);
        // Attending a group study session is study the unit organised: its
        // credits come on top of the daily cap (which is there against cramming
        // alone, not against turning up).
        for at in p.sessions_attended.values() {
            let day = calendar::day_of(*at, self.offset_minutes);
            let credits = p.credits_by_day.entry(day).or_default();
            *credits = credits.saturating_add(ATTENDANCE_CREDITS);
        }
        p
    }

    fn apply(&mut self, event: &Event) {
        let offset_minutes = self.offset_minutes;
        let p = &mut self.progress;
        let mastery_by_day = &mut self.mastery_by_day;
        let day = calendar::day_of(event.at, offset_minutes);
        if event.kind.is_study() {
            p.study_days.insert(day);
        }
        p.events += 1;
        match &event.kind {
            EventKind::LessonDone { lesson } => {
                p.lessons_done.entry(lesson.clone()).or_insert(event.at);
            }
            EventKind::QuestionAnswered {
                lesson,
                question,
                correct,
                ..
            } => {
                let key = (lesson.clone(), question.clone());
                if !correct {
                    p.review.insert(
                        key,
                        ReviewCard {
                            lesson: lesson.clone(),
                            question: question.clone(),
                            level: 1,
                            due: event.at + REVIEW_INTERVAL_DAYS[0] * MS_PER_DAY,
                        },
                    );
                } else if let Some(card) = p.review.get_mut(&key) {
                    if usize::from(card.level) >= REVIEW_INTERVAL_DAYS.len() {
                        p.review.remove(&key);
                    } else {
                        card.level += 1;
                        card.due = event.at
                            + REVIEW_INTERVAL_DAYS[usize::from(card.level) - 1] * MS_PER_DAY;
                    }
                }
            }
            EventKind::QuizFinished {
                lesson,
                score,
                total,
            } => {
                let record = p.quizzes.entry(lesson.clone()).or_default();
                record.attempts += 1;
                record.last_score = *score;
                record.total = *total;
                record.best_score = record.best_score.max(*score);
                if record.mastered_at.is_none()
                    && *total > 0
                    && u64::from(*score) * 100 >= u64::from(*total) * u64::from(MASTERY_PERCENT)
                {
                    record.mastered_at = Some(event.at);
                    let count = mastery_by_day.entry(day).or_default();
                    *count = count.saturating_add(1);
                }
            }
            EventKind::ScenarioFinished {
                scenario,
                sound,
                total,
                ..
            } => {
                let record = p.scenarios.entry(scenario.clone()).or_default();
                record.times += 1;
                record.best_sound = record.best_sound.max(*sound);
                record.total = *total;
                record.last_at = record.last_at.max(event.at);
            }
            EventKind::ReflectionSaved { lesson, text } => {
                if text.trim().is_empty() {
                    p.reflections.remove(lesson);
                } else {
                    p.reflections.insert(lesson.clone(), text.clone());
                }
            }
            EventKind::StudyTime { seconds } => {
                let total = p.seconds_by_day.entry(day).or_default();
                *total = total.saturating_add(*seconds).min(MAX_DAY_SECONDS);
            }
            EventKind::ElectiveChosen { lesson } => {
                p.electives.insert(lesson.clone());
            }
            EventKind::ElectiveDropped { lesson } => {
                p.electives.remove(lesson);
            }
            EventKind::RiskRated {
                checklist,
                point,
                likelihood,
                impact,
                measure,
            } => {
                p.risk.entry(checklist.clone()).or_default().ratings.insert(
                    point.clone(),
                    RiskRating {
                        likelihood: *likelihood,
                        impact: *impact,
                        measure: measure.clone(),
                    },
                );
            }
            EventKind::RiskCheckCompleted { checklist } => {
                p.risk.entry(checklist.clone()).or_default().completed_at = Some(event.at);
            }
            EventKind::PledgeAcknowledged { version } => {
                p.pledges.insert(*version);
            }
            EventKind::SessionCheckIn { session, .. } => {
                p.sessions_attended.entry(*session).or_insert(event.at);
            }
            EventKind::SessionReflectionSaved { session, text } => {
                if text.trim().is_empty() {
                    p.session_reflections.remove(session);
                } else {
                    p.session_reflections.insert(*session, text.clone());
                }
            }
            EventKind::Void { .. } => {}
        }
    }
}

fn position(event: &Event) -> (i64, String, u64, String) {
    (event.at, event.device.clone(), event.seq, event.id.clone())
}

fn id_hash(id: &str) -> u64 {
    crate::hash::fnv1a64(id.as_bytes())
}

fn canonical(event: &Event) -> String {
    serde_json::to_string(event).expect("events serialise")
}

/// Credits per day from the study seconds and the quizzes first mastered
/// that day, each day capped at [`DAILY_CREDIT_CAP`]. Days without credit
/// are left out.
pub fn credits_by_day(
    seconds_by_day: &BTreeMap<Day, u32>,
    mastery_by_day: &BTreeMap<Day, u32>,
) -> BTreeMap<Day, u32> {
    let days: BTreeSet<Day> = seconds_by_day
        .keys()
        .chain(mastery_by_day.keys())
        .copied()
        .collect();
    let mut credits = BTreeMap::new();
    for day in days {
        let minutes = seconds_by_day.get(&day).copied().unwrap_or(0) / 60;
        let earned = (minutes / MINUTES_PER_CREDIT).saturating_add(
            mastery_by_day
                .get(&day)
                .copied()
                .unwrap_or(0)
                .saturating_mul(CREDITS_PER_MASTERY),
        );
        if earned > 0 {
            credits.insert(day, earned.min(DAILY_CREDIT_CAP));
        }
    }
    credits
}

impl Progress {
    /// Consecutive study days up to today. Today not yet studied does not break
    /// it; one missed day per week (Monday to Sunday) is forgiven.
    pub fn streak(&self, today: Day) -> u32 {
        let mut day = if self.study_days.contains(&today) {
            today
        } else {
            today - 1
        };
        let mut streak = 0;
        let mut graced_weeks = BTreeSet::new();
        loop {
            if self.study_days.contains(&day) {
                streak += 1;
            } else if self.study_days.contains(&(day - 1))
                && streak > 0
                && graced_weeks.insert(calendar::week_of(day))
            {
                // A single missed day, the first this week: forgiven.
            } else {
                return streak;
            }
            day -= 1;
        }
    }

    /// Active study minutes in the week containing `day`.
    pub fn minutes_in_week(&self, day: Day) -> u32 {
        let start = calendar::week_start(day);
        self.seconds_by_day
            .range(start..start + 7)
            .fold(0u32, |sum, (_, s)| sum.saturating_add(*s))
            / 60
    }

    /// Minutes for each of the last `weeks` weeks, oldest first: (Monday, minutes).
    pub fn weekly_minutes(&self, today: Day, weeks: i32) -> Vec<(Day, u32)> {
        let this_week = calendar::week_start(today);
        (0..weeks)
            .rev()
            .map(|back| {
                let monday = this_week - 7 * back;
                (monday, self.minutes_in_week(monday))
            })
            .collect()
    }

    /// Credits earned in the quarter containing `day`.
    pub fn credits_in_quarter(&self, day: Day) -> u32 {
        let (first, last) = calendar::quarter_bounds(calendar::quarter_of(day));
        self.credits_by_day
            .range(first..=last)
            .fold(0u32, |sum, (_, c)| sum.saturating_add(*c))
    }

    /// Review cards due by `now`, the most overdue first.
    pub fn due_reviews(&self, now: i64) -> Vec<&ReviewCard> {
        let mut due: Vec<_> = self.review.values().filter(|c| c.due <= now).collect();
        due.sort_by_key(|c| (c.due, c.lesson.clone(), c.question.clone()));
        due
    }

    /// The first moment after `now` at which Today would show otherwise with
    /// no new event: a review card falls due, a risk self-check turns a year
    /// old, or the last scenario played turns a week old. `None` when
    /// nothing is waiting to fall due (Today's picture keeps until the
    /// day's end then).
    pub fn next_due_after(&self, now: i64) -> Option<i64> {
        let reviews = self.review.values().map(|c| c.due);
        let rechecks = self
            .risk
            .values()
            .filter_map(|r| r.completed_at)
            // `risk_recheck_due` asks for strictly more than a year.
            .map(|at| at + RISK_RECHECK_DAYS * MS_PER_DAY + 1);
        let scenario = self
            .scenarios
            .values()
            .map(|r| r.last_at)
            .max()
            .map(|at| at + SCENARIO_EVERY_DAYS * MS_PER_DAY);
        reviews
            .chain(rechecks)
            .chain(scenario)
            .filter(|at| *at > now)
            .min()
    }

    /// Must the learner (re)acknowledge this pledge version?
    pub fn pledge_needed(&self, version: u32) -> bool {
        !self.pledges.contains(&version)
    }

    /// Is the risk self-check of `checklist` older than a year?
    pub fn risk_recheck_due(&self, checklist: &str, now: i64) -> bool {
        self.risk
            .get(checklist)
            .and_then(|r| r.completed_at)
            .is_some_and(|at| now - at > RISK_RECHECK_DAYS * MS_PER_DAY)
    }
}

/// A track: the lessons of one tier, or those for everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Track {
    Tier(Tier),
    Everyone,
}

impl Track {
    pub const ALL: [Track; 4] = [
        Track::Tier(Tier::LeadingCadre),
        Track::Tier(Tier::DepartmentHead),
        Track::Tier(Tier::Staff),
        Track::Everyone,
    ];

    /// The id in URLs (`/certificate/staff`).
    pub fn id(self) -> &'static str {
        match self {
            Track::Tier(tier) => tier.id(),
            Track::Everyone => "everyone",
        }
    }

    pub fn from_id(id: &str) -> Option<Track> {
        Track::ALL.into_iter().find(|t| t.id() == id)
    }

    /// Lesson ids of the track, in pack order.
    pub fn lessons(self, pack: &Pack) -> Vec<&str> {
        pack.lessons
            .iter()
            .filter(|l| match self {
                Track::Everyone => l.tiers.len() == Tier::ALL.len(),
                Track::Tier(tier) => l.tiers.len() < Tier::ALL.len() && l.tiers.contains(&tier),
            })
            .map(|l| l.id.as_str())
            .collect()
    }

    /// (done, total) and, when complete, the day it was completed.
    pub fn completion(self, pack: &Pack, progress: &Progress) -> (usize, usize, Option<i64>) {
        let lessons = self.lessons(pack);
        let done: Vec<i64> = lessons
            .iter()
            .filter_map(|id| progress.lessons_done.get(*id).copied())
            .collect();
        let completed = (done.len() == lessons.len() && !lessons.is_empty())
            .then(|| done.iter().copied().max().unwrap_or(0));
        (done.len(), lessons.len(), completed)
    }
}

/// The essay's menu-based learning: the tier's required lessons plus electives
/// chosen from all the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyPlan {
    pub required: Vec<String>,
    pub electives: Vec<String>,
    pub required_done: usize,
    pub electives_done: usize,
}

impl StudyPlan {
    pub fn for_learner(pack: &Pack, progress: &Progress, tier: Tier) -> StudyPlan {
        let required: Vec<String> = pack
            .lessons
            .iter()
            .filter(|l| l.tiers.contains(&tier))
            .map(|l| l.id.clone())
            .collect();
        let electives: Vec<String> = pack
            .lessons
            .iter()
            .filter(|l| !l.tiers.contains(&tier) && progress.electives.contains(&l.id))
            .map(|l| l.id.clone())
            .collect();
        let done = |ids: &[String]| {
            ids.iter()
                .filter(|id| progress.lessons_done.contains_key(*id))
                .count()
        };
        StudyPlan {
            required_done: done(&required),
            electives_done: done(&electives),
            required,
            electives,
        }
    }

    /// The menu: lessons outside the required ones, to choose electives from.
    pub fn menu(pack: &Pack, tier: Tier) -> Vec<&str> {
        pack.lessons
            .iter()
            .filter(|l| !l.tiers.contains(&tier))
            .map(|l| l.id.as_str())
            .collect()
    }

    /// The next lesson to study: the first required one not done, then electives.
    pub fn next_lesson(&self, progress: &Progress) -> Option<&str> {
        self.required
            .iter()
            .chain(&self.electives)
            .find(|id| !progress.lessons_done.contains_key(*id))
            .map(String::as_str)
    }
}

/// The scenario Today offers, if one is due: none played in the last week, the
/// first not yet played for the tier, else the one played longest ago.
pub fn scenario_due<'a>(
    pack: &'a Pack,
    progress: &Progress,
    tier: Tier,
    now: i64,
) -> Option<&'a str> {
    let last_played = progress.scenarios.values().map(|r| r.last_at).max();
    if last_played.is_some_and(|at| now - at < SCENARIO_EVERY_DAYS * MS_PER_DAY) {
        return None;
    }
    let mine: Vec<_> = pack
        .scenarios
        .iter()
        .filter(|s| s.tiers.contains(&tier))
        .collect();
    mine.iter()
        .find(|s| !progress.scenarios.contains_key(&s.id))
        .or_else(|| {
            mine.iter()
                .min_by_key(|s| progress.scenarios.get(&s.id).map_or(0, |r| r.last_at))
        })
        .map(|s| s.id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::from_civil;

    fn at(day: Day, hour: i64) -> i64 {
        i64::from(day) * MS_PER_DAY + hour * 3_600_000
    }

    fn event(n: u64, at: i64, kind: EventKind) -> Event {
        Event {
            id: format!("e{n}"),
            device: "d".into(),
            seq: n,
            at,
            kind,
        }
    }

    fn answered(n: u64, at: i64, correct: bool) -> Event {
        event(
            n,
            at,
            EventKind::QuestionAnswered {
                lesson: "l".into(),
                question: "q".into(),
                chosen: vec![1],
                correct,
            },
        )
    }

    #[test]
    fn a_missed_question_comes_back_on_the_leitner_schedule() {
        let day = from_civil(2026, 11, 2);
        let mut events = vec![answered(1, at(day, 9), false)];
        let p = fold(&events, 0);
        let card = &p.review[&("l".to_owned(), "q".to_owned())];
        assert_eq!((card.level, card.due), (1, at(day + 1, 9)));
        assert!(
            p.due_reviews(at(day, 23)).is_empty(),
            "not due the same day"
        );
        assert_eq!(p.due_reviews(at(day + 1, 10)).len(), 1, "due the next day");
        // Right each time it comes back: 3, 7, 14, 30 days, then known.
        let mut when = at(day + 1, 10);
        for (n, wait) in [3, 7, 14, 30].into_iter().enumerate() {
            events.push(answered(2 + n as u64, when, true));
            let card = fold(&events, 0).review[&("l".to_owned(), "q".to_owned())].clone();
            assert_eq!(card.due, when + wait * MS_PER_DAY);
            when = card.due;
        }
        events.push(answered(9, when, true));
        assert!(
            fold(&events, 0).review.is_empty(),
            "known after the last box"
        );
        // Missed again: back to box 1.
        events.push(answered(10, when + 1, false));
        assert_eq!(fold(&events, 0).review.values().next().unwrap().level, 1);
    }

    #[test]
    fn a_right_answer_never_seen_wrong_does_not_enter_the_queue() {
        assert!(fold(&[answered(1, 0, true)], 0).review.is_empty());
    }

    #[test]
    fn streak_forgives_one_missed_day_a_week() {
        let monday = from_civil(2026, 11, 23);
        let study = |days: &[Day]| {
            let events: Vec<Event> = days
                .iter()
                .enumerate()
                .map(|(n, d)| event(n as u64, at(*d, 12), EventKind::StudyTime { seconds: 120 }))
                .collect();
            fold(&events, 0)
        };
        // Mon, Tue, (Wed missed), Thu, Fri: 4 days, unbroken.
        let p = study(&[monday, monday + 1, monday + 3, monday + 4]);
        assert_eq!(p.streak(monday + 4), 4);
        // Today not studied yet does not break it.
        assert_eq!(p.streak(monday + 5), 4);
        // Two days missed in a row breaks it.
        assert_eq!(study(&[monday, monday + 3]).streak(monday + 3), 1);
        // A second single gap in the same week breaks it.
        let p = study(&[monday, monday + 2, monday + 4]);
        assert_eq!(p.streak(monday + 4), 2);
        // One gap in each of two weeks is forgiven twice.
        let p = study(&[monday - 4, monday - 2, monday - 1, monday, monday + 2]);
        assert_eq!(p.streak(monday + 2), 5);
        assert_eq!(study(&[]).streak(monday), 0);
    }

    #[test]
    fn credits_come_from_minutes_and_mastery_with_a_daily_cap() {
        let day = from_civil(2026, 11, 24);
        let events = vec![
            event(1, at(day, 9), EventKind::StudyTime { seconds: 25 * 60 }),
            event(
                2,
                at(day, 10),
                EventKind::QuizFinished {
                    lesson: "a".into(),
                    score: 4,
                    total: 5,
                },
            ),
            // The same quiz mastered again earns nothing more.
            event(
                3,
                at(day, 11),
                EventKind::QuizFinished {
                    lesson: "a".into(),
                    score: 5,
                    total: 5,
                },
            ),
            // Below mastery earns nothing.
            event(
                4,
                at(day, 12),
                EventKind::QuizFinished {
                    lesson: "b".into(),
                    score: 3,
                    total: 5,
                },
            ),
            event(
                5,
                at(day + 1, 9),
                EventKind::StudyTime { seconds: 300 * 60 },
            ),
        ];
        let p = fold(&events, 0);
        assert_eq!(p.credits_by_day[&day], 2 + 2);
        assert_eq!(p.credits_by_day[&(day + 1)], DAILY_CREDIT_CAP);
        assert_eq!(p.credits_in_quarter(day), 4 + DAILY_CREDIT_CAP);
        assert_eq!(p.credits_in_quarter(from_civil(2027, 1, 5)), 0);
        assert_eq!(p.minutes_in_week(day), 325);
    }

    #[test]
    fn a_day_holds_at_most_24_hours_of_study() {
        let day = from_civil(2024, 3, 4);
        let events: Vec<Event> = (1..=10)
            .map(|n| {
                event(
                    n,
                    at(day, 1),
                    EventKind::StudyTime {
                        seconds: u32::MAX / 4,
                    },
                )
            })
            .collect();
        let p = fold(&events, 0);
        assert_eq!(p.seconds_by_day[&day], MAX_DAY_SECONDS);
        assert_eq!(p.credits_by_day[&day], DAILY_CREDIT_CAP);
        let huge = QuizRecord {
            best_score: u32::MAX,
            total: 1,
            ..QuizRecord::default()
        };
        assert!(huge.best_percent() > 0);
    }

    #[test]
    fn voided_events_do_not_count() {
        let events = vec![
            event(1, 10, EventKind::LessonDone { lesson: "a".into() }),
            event(
                2,
                20,
                EventKind::Void {
                    target: "e1".into(),
                },
            ),
        ];
        assert!(fold(&events, 0).lessons_done.is_empty());
    }

    #[test]
    fn latest_reflection_and_elective_choice_win() {
        let events = vec![
            event(
                1,
                10,
                EventKind::ReflectionSaved {
                    lesson: "a".into(),
                    text: "first".into(),
                },
            ),
            event(
                2,
                20,
                EventKind::ReflectionSaved {
                    lesson: "a".into(),
                    text: "second".into(),
                },
            ),
            event(3, 10, EventKind::ElectiveChosen { lesson: "x".into() }),
            event(4, 30, EventKind::ElectiveDropped { lesson: "x".into() }),
            event(5, 40, EventKind::ElectiveChosen { lesson: "y".into() }),
        ];
        let p = fold(&events, 0);
        assert_eq!(p.reflections["a"], "second");
        assert_eq!(p.electives.iter().collect::<Vec<_>>(), ["y"]);
    }

    #[test]
    fn risk_recheck_is_due_after_a_year() {
        let events = vec![event(
            1,
            0,
            EventKind::RiskCheckCompleted {
                checklist: "c".into(),
            },
        )];
        let p = fold(&events, 0);
        assert!(!p.risk_recheck_due("c", 364 * MS_PER_DAY));
        assert!(p.risk_recheck_due("c", 366 * MS_PER_DAY));
        assert!(!p.risk_recheck_due("other", 999 * MS_PER_DAY));
    }
}
