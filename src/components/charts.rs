//! Small charts for the Progress page, drawn as SVG with attributes only (the
//! CSP allows no inline styles), each with a text alternative.

use leptos::prelude::*;
use qinglian_core::calendar::{self, Day};
use std::collections::BTreeSet;

/// Minutes per week as bars, oldest on the left.
#[component]
pub fn WeeklyMinutesChart(weeks: Vec<(Day, u32)>, #[prop(into)] label: String) -> impl IntoView {
    let max = weeks.iter().map(|(_, m)| *m).max().unwrap_or(0).max(10);
    let bar_width = 100.0 / weeks.len().max(1) as f64;
    let summary = weeks
        .iter()
        .map(|(monday, minutes)| format!("{}: {minutes}", calendar::iso_date(*monday)))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <figure class="chart">
            <svg viewBox="0 0 100 60" role="img" aria-label=format!("{label}. {summary}") preserveAspectRatio="none">
                {weeks.iter().enumerate().map(|(i, (_, minutes))| {
                    let height = 50.0 * f64::from(*minutes) / f64::from(max);
                    let x = i as f64 * bar_width + bar_width * 0.15;
                    view! {
                        <rect class="bar" x=format!("{x:.2}") y=format!("{:.2}", 52.0 - height)
                            width=format!("{:.2}", bar_width * 0.7) height=format!("{height:.2}") rx="1"/>
                    }
                }).collect_view()}
                <line x1="0" y1="52" x2="100" y2="52" class="axis"/>
            </svg>
            <figcaption class="chart-labels">
                {weeks.iter().map(|(monday, minutes)| {
                    let (_, m, d) = calendar::civil(*monday);
                    view! { <span><strong>{*minutes}</strong><br/>{format!("{m}/{d}")}</span> }
                }).collect_view()}
            </figcaption>
        </figure>
    }
}

/// The last five weeks, a square per day, filled on study days.
#[component]
pub fn StreakCalendar(
    study_days: BTreeSet<Day>,
    today: Day,
    #[prop(into)] label: String,
) -> impl IntoView {
    let first = calendar::week_start(today) - 28;
    let studied = (first..=today).filter(|d| study_days.contains(d)).count();
    view! {
        <div class="calendar" role="img" aria-label=format!("{label}: {studied}/{}", today - first + 1)>
            {(first..first + 35).map(|day| {
                let class = if day > today {
                    "day future"
                } else if study_days.contains(&day) {
                    "day studied"
                } else {
                    "day"
                };
                let (_, _, d) = calendar::civil(day);
                view! { <span class=class class:today=day == today aria-hidden="true">{d}</span> }
            }).collect_view()}
        </div>
    }
}
