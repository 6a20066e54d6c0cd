//! Unit reports for leaders and administrators: each member's progress,
//! derived by folding their stored events with the current pack, exactly as
//! the app derives it. Nothing here is stored; every report is computed anew.

use crate::auth::{store_error, CurrentUser};
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult};
use crate::store::{ProgressFacts, Unit, UserRecord};
use crate::{now_ms, AppState};
use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Json,
};
use qinglian_core::calendar::{self, Day};
use qinglian_core::content::Pack;
use qinglian_core::progress::{credits_by_day, Progress, RiskRecord, Track, MAX_DAY_SECONDS};
use qinglian_core::sync::Role;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One member's line in a unit report.
#[derive(Clone, Debug, Serialize)]
pub struct MemberReport {
    pub user_id: i64,
    pub display_name: String,
    pub login: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    /// When the member last pushed (ms UTC), if ever.
    pub last_sync: Option<i64>,
    /// Track id → lessons of that track done.
    pub lessons_done: BTreeMap<String, usize>,
    /// Mean of the best score of each quiz taken, in percent.
    pub average_best_quiz_percent: Option<u32>,
    pub study_minutes_this_month: u32,
    pub credits_this_quarter: u32,
    /// Acknowledged the pledge version of the current pack.
    pub pledge_acknowledged: bool,
    /// Completed at least one risk self-check.
    pub risk_check_done: bool,
    /// Studying together: sessions attended, assignments open and overdue
    /// (filled by the unit report only).
    #[serde(flatten)]
    pub together: crate::sessions::MemberTogether,
}

/// The sums over a unit (and its sub-units).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub members: usize,
    /// Members who have pushed at least once.
    pub synced_members: usize,
    pub lessons_done: BTreeMap<String, usize>,
    /// Mean over the members who took any quiz.
    pub average_best_quiz_percent: Option<u32>,
    pub study_minutes_this_month: u32,
    pub credits_this_quarter: u32,
    /// Members who acknowledged the current pledge.
    pub pledge_acknowledged: usize,
    /// Members who completed a risk self-check.
    pub risk_check_done: usize,
}

/// A track's id and how many lessons it has in the current pack.
#[derive(Clone, Debug, Serialize)]
pub struct TrackInfo {
    pub id: &'static str,
    pub lessons: usize,
}

/// `GET /api/v1/reports/units/{id}`.
#[derive(Clone, Debug, Serialize)]
pub struct UnitReport {
    pub unit: Unit,
    pub generated_at: i64,
    pub content_version: Option<String>,
    pub pledge_version: Option<u32>,
    pub tracks: Vec<TrackInfo>,
    pub members: Vec<MemberReport>,
    pub totals: Totals,
    /// Studying together: the questions missed most, sessions, assignments.
    #[serde(flatten)]
    pub together: crate::sessions::TogetherReport,
    /// Questions from the unit's members waiting too long for an answer.
    pub open_questions: OpenQuestions,
}

/// A question unanswered for more than
/// [`QUESTION_OPEN_DAYS`](qinglian_core::together::QUESTION_OPEN_DAYS) days,
/// so that the leaders see who is kept waiting (without the asker's name
/// unless the asker let the leaders see it).
#[derive(Clone, Debug, Serialize)]
pub struct OpenQuestion {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub text: String,
    pub asked_at: i64,
    /// Whole days since it was asked.
    pub days_open: i64,
    /// Only when the asker chose to show it.
    pub asker_name: Option<String>,
}

/// The open questions of a unit report and how many there are.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OpenQuestions {
    pub count: usize,
    /// Oldest first.
    pub questions: Vec<OpenQuestion>,
}

/// One row of the administrators' overview.
#[derive(Clone, Debug, Serialize)]
pub struct UnitSummary {
    pub unit: Unit,
    /// Including the sub-units' members.
    #[serde(flatten)]
    pub totals: Totals,
}

/// The ids of `root` and every unit below it.
pub fn subtree(units: &[Unit], root: i64) -> HashSet<i64> {
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for unit in units {
        if let Some(parent) = unit.parent_id {
            children.entry(parent).or_default().push(unit.id);
        }
    }
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            stack.extend(children.get(&id).into_iter().flatten().copied());
        }
    }
    seen
}

fn month_bounds(today: Day) -> (Day, Day) {
    let (year, month, _) = calendar::civil(today);
    let first = calendar::from_civil(year, month, 1);
    let next = if month == 12 {
        calendar::from_civil(year + 1, 1, 1)
    } else {
        calendar::from_civil(year, month + 1, 1)
    };
    (first, next - 1)
}

/// One member's figures from their progress.
pub fn member_report(
    record: &UserRecord,
    progress: &Progress,
    pack: Option<&Pack>,
    now: i64,
) -> MemberReport {
    let today = calendar::day_of(now, 0);
    let (first, last) = month_bounds(today);
    let seconds: u32 = progress
        .seconds_by_day
        .range(first..=last)
        .fold(0u32, |sum, (_, s)| sum.saturating_add(*s));
    let lessons_done = Track::ALL
        .iter()
        .map(|track| {
            let done = pack.map_or(0, |pack| track.completion(pack, progress).0);
            (track.id().to_owned(), done)
        })
        .collect();
    let percents: Vec<u32> = progress
        .quizzes
        .values()
        .filter(|q| q.total > 0)
        .map(|q| q.best_percent())
        .collect();
    MemberReport {
        user_id: record.user.id,
        display_name: record.user.display_name.clone(),
        login: record.user.login.clone(),
        role: record.user.role,
        unit_id: record.user.unit_id,
        unit_name: record.user.unit_name.clone(),
        last_sync: record.last_sync,
        lessons_done,
        average_best_quiz_percent: mean(&percents),
        study_minutes_this_month: seconds / 60,
        credits_this_quarter: progress.credits_in_quarter(today),
        pledge_acknowledged: pack.is_some_and(|p| progress.pledges.contains(&p.pledge.version)),
        risk_check_done: progress.risk.values().any(|r| r.completed_at.is_some()),
        together: Default::default(),
    }
}

fn mean(values: &[u32]) -> Option<u32> {
    (!values.is_empty()).then(|| {
        let sum: u64 = values.iter().map(|v| u64::from(*v)).sum();
        ((sum as f64) / values.len() as f64).round() as u32
    })
}

/// Adds up members' lines.
pub fn totals<'a>(members: impl IntoIterator<Item = &'a MemberReport>) -> Totals {
    let mut totals = Totals {
        lessons_done: Track::ALL.iter().map(|t| (t.id().to_owned(), 0)).collect(),
        ..Totals::default()
    };
    let mut percents = Vec::new();
    for member in members {
        totals.members += 1;
        totals.synced_members += usize::from(member.last_sync.is_some());
        for (track, done) in &member.lessons_done {
            *totals.lessons_done.entry(track.clone()).or_default() += done;
        }
        percents.extend(member.average_best_quiz_percent);
        totals.study_minutes_this_month = totals
            .study_minutes_this_month
            .saturating_add(member.study_minutes_this_month);
        totals.credits_this_quarter = totals
            .credits_this_quarter
            .saturating_add(member.credits_this_quarter);
        totals.pledge_acknowledged += usize::from(member.pledge_acknowledged);
        totals.risk_check_done += usize::from(member.risk_check_done);
    }
    totals.average_best_quiz_percent = mean(&percents);
    totals
}

/// The part of a member's progress a report shows, from the database's
/// aggregates, with the fold's rules: a day holds at most 24 hours of study,
/// credits per day from minutes and first masteries with the daily cap.
pub fn progress_of(facts: &ProgressFacts) -> Progress {
    let seconds_by_day: BTreeMap<Day, u32> = facts
        .seconds_by_day
        .iter()
        .map(|(day, s)| (*day, (*s).clamp(0, i64::from(MAX_DAY_SECONDS)) as u32))
        .collect();
    let mut mastery_by_day: BTreeMap<Day, u32> = BTreeMap::new();
    for at in facts.quizzes.values().filter_map(|q| q.mastered_at) {
        let count = mastery_by_day.entry(calendar::day_of(at, 0)).or_default();
        *count = count.saturating_add(1);
    }
    let mut risk = BTreeMap::new();
    if facts.risk_check_done {
        risk.insert(
            String::new(),
            RiskRecord {
                completed_at: Some(0),
                ..RiskRecord::default()
            },
        );
    }
    Progress {
        lessons_done: facts.lessons_done.clone(),
        quizzes: facts.quizzes.clone(),
        credits_by_day: credits_by_day(&seconds_by_day, &mastery_by_day),
        seconds_by_day,
        pledges: facts.pledges.clone(),
        risk,
        ..Progress::default()
    }
}

/// Every non-administrator account in these units, with their report lines.
async fn member_reports(
    state: &AppState,
    units: &HashSet<i64>,
    now: i64,
) -> ApiResult<Vec<MemberReport>> {
    let records: Vec<UserRecord> = state
        .store
        .users()
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|r| r.user.role != Role::Admin)
        .filter(|r| r.user.unit_id.is_some_and(|u| units.contains(&u)))
        .collect();
    let ids: Vec<i64> = records.iter().map(|r| r.user.id).collect();
    let facts = state
        .store
        .progress_facts(&ids)
        .await
        .map_err(store_error)?;
    let current = state.content.current();
    let pack = current.as_ref().map(|c| &c.pack);
    let none = ProgressFacts::default();
    let mut members: Vec<MemberReport> = records
        .iter()
        .map(|record| {
            let progress = progress_of(facts.get(&record.user.id).unwrap_or(&none));
            member_report(record, &progress, pack, now)
        })
        .collect();
    members.sort_by(|a, b| {
        (&a.unit_name, &a.display_name, a.user_id).cmp(&(&b.unit_name, &b.display_name, b.user_id))
    });
    Ok(members)
}

/// `?format=csv`.
#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    pub format: Option<String>,
}

/// `GET /api/v1/reports/units/{unit_id}` and `…/{unit_id}.csv`: leaders of
/// the unit or of a unit above it, and administrators.
pub async fn unit_report(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let user = caller.require(&[Role::Leader, Role::Admin])?;
    let (id_text, csv_suffix) = match raw.strip_suffix(".csv") {
        Some(id) => (id, true),
        None => (raw.as_str(), false),
    };
    let csv = match query.format.as_deref() {
        None | Some("json") => csv_suffix,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown format {other:?}: use json or csv"
            )))
        }
    };
    let unit_id: i64 = id_text
        .parse()
        .map_err(|_| ApiError::bad_request(format!("{id_text:?} is not a unit id")))?;
    let units = state.store.units().await.map_err(store_error)?;
    if user.role == Role::Leader {
        let mine = user.unit_id.map(|u| subtree(&units, u)).unwrap_or_default();
        if !mine.contains(&unit_id) {
            return Err(ApiError::forbidden(
                "leaders see the reports of their own unit and its sub-units only",
            ));
        }
    }
    let unit = units
        .iter()
        .find(|u| u.id == unit_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no unit with id {unit_id}")))?;
    let now = now_ms();
    let below = subtree(&units, unit_id);
    let (mut members, (together, lines)) = tokio::try_join!(
        member_reports(&state, &below, now),
        crate::sessions::report_parts(&state, &units, unit_id, now)
    )?;
    crate::sessions::fill_member_lines(&mut members, lines);
    let current = state.content.current();
    let pack = current.as_ref().map(|c| &c.pack);
    let report = UnitReport {
        totals: totals(&members),
        unit,
        generated_at: now,
        content_version: pack.map(|p| p.version.clone()),
        pledge_version: pack.map(|p| p.pledge.version),
        tracks: Track::ALL
            .iter()
            .map(|t| TrackInfo {
                id: t.id(),
                lessons: pack.map_or(0, |p| t.lessons(p).len()),
            })
            .collect(),
        members,
        open_questions: open_questions(&state, &subtree(&units, unit_id), now).await?,
        together,
    };
    if csv {
        Ok(csv_response(&report))
    } else {
        Ok(Json(report).into_response())
    }
}

/// The questions asked in these units unanswered for more than
/// `QUESTION_OPEN_DAYS` days.
pub async fn open_questions(
    state: &AppState,
    units: &HashSet<i64>,
    now: i64,
) -> ApiResult<OpenQuestions> {
    use qinglian_core::together::QUESTION_OPEN_DAYS;
    let ids: Vec<i64> = units.iter().copied().collect();
    let questions: Vec<OpenQuestion> = state
        .store
        .open_questions(&ids, now - QUESTION_OPEN_DAYS * calendar::MS_PER_DAY)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|q| OpenQuestion {
            id: q.id,
            unit_id: q.unit_id,
            unit_name: q.unit_name,
            days_open: (now - q.asked_at) / calendar::MS_PER_DAY,
            asker_name: q.show_name.then_some(q.asker_name),
            text: q.text,
            asked_at: q.asked_at,
        })
        .collect();
    Ok(OpenQuestions {
        count: questions.len(),
        questions,
    })
}

/// The open questions as a second table under the report's CSV: a blank
/// line, a title row with the count, a header row, one row per question.
pub fn open_questions_csv(open: &OpenQuestions) -> String {
    let row = |fields: &[String]| {
        fields
            .iter()
            .map(|f| field(f))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut lines = vec![
        String::new(),
        row(&[
            format!(
                "open_questions (unanswered for more than {} days)",
                qinglian_core::together::QUESTION_OPEN_DAYS
            ),
            open.count.to_string(),
        ]),
        row(&[
            "question_id".to_owned(),
            "unit".to_owned(),
            "asked_at".to_owned(),
            "days_open".to_owned(),
            "asker".to_owned(),
            "text".to_owned(),
        ]),
    ];
    for q in &open.questions {
        lines.push(row(&[
            q.id.to_string(),
            q.unit_name.clone(),
            iso_time(q.asked_at),
            q.days_open.to_string(),
            q.asker_name.clone().unwrap_or_default(),
            q.text.clone(),
        ]));
    }
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

/// `GET /api/v1/reports/units`: one row per unit (administrators).
pub async fn units_summary(
    State(state): State<AppState>,
    caller: CurrentUser,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Admin])?;
    let units = state.store.units().await.map_err(store_error)?;
    let now = now_ms();
    let all: HashSet<i64> = units.iter().map(|u| u.id).collect();
    let members = member_reports(&state, &all, now).await?;
    let rows: Vec<UnitSummary> = units
        .iter()
        .map(|unit| {
            let below = subtree(&units, unit.id);
            UnitSummary {
                unit: unit.clone(),
                totals: totals(
                    members
                        .iter()
                        .filter(|m| m.unit_id.is_some_and(|u| below.contains(&u))),
                ),
            }
        })
        .collect();
    Ok(Json(serde_json::json!({
        "generated_at": now,
        "content_version": state.content.version(),
        "units": rows,
    })))
}

/// A CSV field: always quoted, and defused when a spreadsheet would take it
/// for a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A time as `2024-02-10T08:30:00Z`.
pub fn iso_time(ms: i64) -> String {
    let day = calendar::day_of(ms, 0);
    let rest = ms.rem_euclid(calendar::MS_PER_DAY) / 1000;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        calendar::iso_date(day),
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn csv_line(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",")
}

/// The studying-together sections of the CSV, each a title row, a header
/// row and its rows, then an empty row: the questions missed most, the
/// sessions, the assignments.
fn together_csv(report: &UnitReport) -> Vec<String> {
    let t = &report.together;
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let mut lines = vec![csv_line(&s(&["question_errors"]))];
    lines.push(csv_line(&s(&[
        "lesson",
        "question",
        "answers",
        "wrong",
        "error_rate_per_mille",
    ])));
    for q in &t.question_errors {
        lines.push(csv_line(&[
            q.lesson.clone(),
            q.question.clone(),
            q.answers.to_string(),
            q.wrong.to_string(),
            q.error_rate_per_mille.to_string(),
        ]));
    }
    lines.push(String::new());
    lines.push(csv_line(&s(&["sessions"])));
    lines.push(csv_line(&s(&[
        "id",
        "topic",
        "kind",
        "starts_at",
        "expected",
        "attended",
        "prepared",
    ])));
    for x in &t.sessions {
        let kind = serde_json::to_value(x.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        lines.push(csv_line(&[
            x.id.to_string(),
            x.topic.clone(),
            kind,
            iso_time(x.starts_at),
            x.expected.to_string(),
            x.attended.to_string(),
            x.prepared.map(|p| p.to_string()).unwrap_or_default(),
        ]));
    }
    lines.push(String::new());
    lines.push(csv_line(&s(&["assignments"])));
    lines.push(csv_line(&s(&[
        "id", "items", "due_at", "members", "done", "overdue",
    ])));
    for a in &t.assignments {
        let items: Vec<String> = a
            .items
            .iter()
            .map(|item| match item {
                qinglian_core::together::AssignedItem::Lesson { id } => format!("lesson:{id}"),
                qinglian_core::together::AssignedItem::Scenario { id } => {
                    format!("scenario:{id}")
                }
                qinglian_core::together::AssignedItem::RiskCheck { checklist } => {
                    format!("risk_check:{checklist}")
                }
                qinglian_core::together::AssignedItem::Pledge { version } => {
                    format!("pledge:{version}")
                }
            })
            .collect();
        lines.push(csv_line(&[
            a.id.to_string(),
            items.join(" "),
            iso_time(a.due_at),
            a.members.to_string(),
            a.done.to_string(),
            a.overdue.to_string(),
        ]));
    }
    lines.push(String::new());
    lines.push(csv_line(&s(&["members"])));
    lines
}

/// The report as CSV: first the studying-together sections (see
/// [`together_csv`]), then the members: a header row, one row per member,
/// a totals row.
pub fn report_csv(report: &UnitReport) -> String {
    let mut header = vec![
        "display_name".to_owned(),
        "login".to_owned(),
        "unit".to_owned(),
        "role".to_owned(),
        "last_sync".to_owned(),
    ];
    for track in &report.tracks {
        header.push(format!("lessons_done_{} (of {})", track.id, track.lessons));
    }
    header.extend(
        [
            "average_best_quiz_percent",
            "study_minutes_this_month",
            "credits_this_quarter",
            "pledge_acknowledged",
            "risk_check_done",
            "sessions_attended",
            "assignments_open",
            "assignments_overdue",
        ]
        .map(str::to_owned),
    );
    let mut lines = together_csv(report);
    lines.push(
        header
            .iter()
            .map(|h| field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    for m in &report.members {
        let mut row = vec![
            m.display_name.clone(),
            m.login.clone(),
            m.unit_name.clone().unwrap_or_default(),
            m.role.id().to_owned(),
            m.last_sync.map(iso_time).unwrap_or_default(),
        ];
        for track in &report.tracks {
            row.push(
                m.lessons_done
                    .get(track.id)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            );
        }
        row.push(
            m.average_best_quiz_percent
                .map(|p| p.to_string())
                .unwrap_or_default(),
        );
        row.push(m.study_minutes_this_month.to_string());
        row.push(m.credits_this_quarter.to_string());
        row.push(if m.pledge_acknowledged { "yes" } else { "no" }.to_owned());
        row.push(if m.risk_check_done { "yes" } else { "no" }.to_owned());
        row.push(m.together.sessions_attended.to_string());
        row.push(m.together.assignments_open.to_string());
        row.push(m.together.assignments_overdue.to_string());
        lines.push(row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
    }
    let t = &report.totals;
    let mut row = vec![
        format!("TOTAL ({} members)", t.members),
        String::new(),
        report.unit.name.clone(),
        String::new(),
        format!("{} synced", t.synced_members),
    ];
    for track in &report.tracks {
        row.push(
            t.lessons_done
                .get(track.id)
                .copied()
                .unwrap_or(0)
                .to_string(),
        );
    }
    row.push(
        t.average_best_quiz_percent
            .map(|p| p.to_string())
            .unwrap_or_default(),
    );
    row.push(t.study_minutes_this_month.to_string());
    row.push(t.credits_this_quarter.to_string());
    row.push(t.pledge_acknowledged.to_string());
    row.push(t.risk_check_done.to_string());
    let sum = |f: fn(&MemberReport) -> u32| {
        report
            .members
            .iter()
            .map(f)
            .fold(0u32, u32::saturating_add)
            .to_string()
    };
    row.push(sum(|m| m.together.sessions_attended));
    row.push(sum(|m| m.together.assignments_open));
    row.push(sum(|m| m.together.assignments_overdue));
    lines.push(row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out.push_str(&open_questions_csv(&report.open_questions));
    out
}

fn csv_response(report: &UnitReport) -> Response {
    let name = format!(
        "qinglian-unit-{}-{}.csv",
        report.unit.id,
        calendar::iso_date(calendar::day_of(report.generated_at, 0))
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .expect("an ASCII file name"),
            ),
        ],
        report_csv(report),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>) -> Unit {
        Unit {
            id,
            name: format!("u{id}"),
            parent_id: parent,
            created_at: 0,
            archived_at: None,
        }
    }

    #[test]
    fn subtree_follows_parents() {
        let units = [
            unit(1, None),
            unit(2, Some(1)),
            unit(3, Some(2)),
            unit(4, None),
        ];
        let mut below: Vec<i64> = subtree(&units, 1).into_iter().collect();
        below.sort();
        assert_eq!(below, [1, 2, 3]);
        assert_eq!(subtree(&units, 4).len(), 1);
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(field("plain"), "\"plain\"");
        assert_eq!(field("12"), "\"12\"");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }

    #[test]
    fn times_are_iso() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(86_400_000 + 3_723_000), "1970-01-02T01:02:03Z");
    }

    #[test]
    fn month_bounds_cover_the_month() {
        let day = calendar::from_civil(2024, 2, 10);
        let (first, last) = month_bounds(day);
        assert_eq!(calendar::iso_date(first), "2024-02-01");
        assert_eq!(calendar::iso_date(last), "2024-02-29");
    }
}
