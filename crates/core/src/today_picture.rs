//! Today's picture: the Today page as the app last drew it, kept in local
//! storage so that the installed app, opened again, shows the learner's day
//! at once, while its wasm is still starting. `index.html`'s one inline
//! script paints it; the app takes over (`src/today_picture.rs`) as soon as
//! it has drawn Today itself, with the same markup, so nothing moves.
//!
//! It is only a cache, never a source: it is painted only on the day it was
//! kept, by the same build (its style sheet's hashed name), and only while
//! every stored entry Today is drawn from is exactly as it was when it was
//! kept ([`stamp`] over them). Anything else, and the app starts as before.
//! The inline script repeats these checks in JavaScript: keep the two alike
//! (the end-to-end test `tests/e2e/shell.test.mjs` fails when they differ).

use crate::calendar;
use crate::progress::Progress;
use serde::{Deserialize, Serialize};

/// Where the picture is kept.
pub const KEY: &str = "qinglian.today-picture";

/// The picture's form; the inline script paints only this one.
pub const FORM: u32 = 1;

/// A picture larger than this (bytes of markup) is not kept: Today is
/// a few kilobytes, and storage is the learner's records' first.
pub const MAX_MARKUP: usize = 100_000;

/// The stored entries Today is drawn from, besides the log's last chunk
/// ([`last_chunk_key`]): settings (tier, language, name), the log's meta,
/// what the bureau published, sign-in and the studying-together cards.
pub const DRAWN_FROM: [&str; 8] = [
    "qinglian.settings",
    LOG_META,
    "qinglian.published.kept",
    "qinglian.server-pack",
    "qinglian.sync",
    "qinglian.together",
    "qinglian.together-seen",
    "qinglian.requests",
];

/// The log's meta, which names its last chunk ([`last_chunk_key`]).
pub const LOG_META: &str = "qinglian.events.meta";

/// The picture as stored (JSON; the inline script reads these names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodayPicture {
    /// [`FORM`].
    pub form: u32,
    /// The build's style sheet (`href`, hashed by the build): a picture is
    /// painted only by the build that drew it.
    pub style: String,
    /// [`stamp`] of the entries Today was drawn from, when it was kept.
    pub stamp: u32,
    /// Shown only before this (UTC ms): the end of the day it was kept.
    pub until: i64,
    /// The document's `lang`, `class` (text size), `data-theme` and title
    /// then.
    pub lang: String,
    pub class: String,
    pub theme: String,
    pub title: String,
    /// The connection badge's words, set by the script to the phone's
    /// state at the time it paints.
    pub online: String,
    pub offline: String,
    /// The app's markup (the children of its root).
    pub markup: String,
}

/// The log's last chunk's key, from the log's meta as stored (the chunk that
/// every new or merged event changes), if there is one.
pub fn last_chunk_key(meta: Option<&str>) -> Option<String> {
    #[derive(Deserialize)]
    struct Meta {
        chunks: usize,
    }
    let chunks = serde_json::from_str::<Meta>(meta?).ok()?.chunks;
    (chunks > 0).then(|| format!("qinglian.events.{:06}", chunks - 1))
}

/// The stamp of stored entries: FNV-1a (32 bit) over each key and its value
/// or its absence, as UTF-16 code units (what `charCodeAt` gives), so the
/// inline script computes the same number. A change in any entry gives
/// another stamp (but for a chance of one in four billion).
pub fn stamp<'a>(entries: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut mix = |unit: u16| {
        hash ^= u32::from(unit);
        hash = hash.wrapping_mul(0x0100_0193);
    };
    for (key, value) in entries {
        key.encode_utf16().for_each(&mut mix);
        mix(0);
        match value {
            None => mix(1),
            Some(value) => {
                mix(2);
                value.encode_utf16().for_each(&mut mix);
            }
        }
        mix(0);
    }
    hash
}

/// Until when (UTC ms) a picture of Today kept at `now` shows what Today
/// would: the end of the local day (the streak and the week's minutes go by
/// the day), or sooner, when something falls due
/// ([`Progress::next_due_after`]).
pub fn until(progress: &Progress, now: i64, offset_minutes: i32) -> i64 {
    let end_of_day =
        calendar::local_time(calendar::day_of(now, offset_minutes) + 1, 0, offset_minutes);
    progress
        .next_due_after(now)
        .map_or(end_of_day, |due| due.min(end_of_day))
}

/// Reads a stored picture: `None` for anything but a picture of [`FORM`].
pub fn read(raw: &str) -> Option<TodayPicture> {
    serde_json::from_str::<TodayPicture>(raw)
        .ok()
        .filter(|p| p.form == FORM)
}

/// Whether a stored picture may be painted: its form, the same build, the
/// same day and the same entries. The inline script's rule, for the tests.
pub fn paintable(picture: &TodayPicture, style: &str, now_ms: i64, stamp_now: u32) -> bool {
    picture.form == FORM
        && picture.style == style
        && now_ms < picture.until
        && picture.stamp == stamp_now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_is_fnv1a_over_utf16_units() {
        // Worked by hand from the definition (and printed by the inline
        // script for the same entries).
        assert_eq!(stamp([]), 0x811c_9dc5);
        let one = stamp([("a", Some("b"))]);
        let mut h: u32 = 0x811c_9dc5;
        for unit in [u16::from(b'a'), 0, 2, u16::from(b'b'), 0] {
            h ^= u32::from(unit);
            h = h.wrapping_mul(0x0100_0193);
        }
        assert_eq!(one, h);
        // Chinese text counts by UTF-16 units, as `charCodeAt` does.
        let chinese = stamp([("k", Some("今日"))]);
        let mut h: u32 = 0x811c_9dc5;
        for unit in [u16::from(b'k'), 0, 2, 0x4eca, 0x65e5, 0] {
            h ^= u32::from(unit);
            h = h.wrapping_mul(0x0100_0193);
        }
        assert_eq!(chinese, h);
    }

    #[test]
    fn any_change_in_what_today_is_drawn_from_changes_the_stamp() {
        let base = [
            ("qinglian.settings", Some("{\"tier\":\"staff\"}")),
            ("qinglian.sync", None),
        ];
        let before = stamp(base);
        assert_ne!(
            before,
            stamp([base[0], ("qinglian.sync", Some(""))]),
            "absent is not empty"
        );
        assert_ne!(
            before,
            stamp([("qinglian.settings", Some("{\"tier\":\"cadre\"}")), base[1]])
        );
        // A value cannot pass for the next key.
        assert_ne!(
            stamp([("a", Some("bc"))]),
            stamp([("a", Some("b")), ("c", None)])
        );
        assert_eq!(before, stamp(base), "the same entries, the same stamp");
    }

    #[test]
    fn a_picture_keeps_until_something_falls_due_or_the_day_ends() {
        use crate::calendar::MS_PER_DAY;
        use crate::events::{Event, EventKind};
        use crate::progress::fold;
        let offset = 480;
        let day = calendar::from_civil(2026, 11, 29);
        let morning = calendar::local_time(day, 8 * 60, offset);
        let midnight = calendar::local_time(day + 1, 0, offset);
        assert_eq!(until(&Progress::default(), morning, offset), midnight);
        // A scenario played six days and twenty hours ago is due again at
        // 12:00 today: the picture keeps until then.
        let played = morning - 6 * MS_PER_DAY - 20 * 3_600_000;
        let events = [Event {
            id: "e1".into(),
            device: "d".into(),
            seq: 1,
            at: played,
            kind: EventKind::ScenarioFinished {
                scenario: "s".into(),
                choices: vec![],
                sound: 0,
                total: 0,
            },
        }];
        let progress = fold(&events, offset);
        let noon = played + 7 * MS_PER_DAY;
        assert_eq!(until(&progress, morning, offset), noon);
        // After noon nothing more falls due today.
        assert_eq!(until(&progress, noon, offset), midnight);
    }

    #[test]
    fn the_last_chunk_comes_from_the_meta() {
        assert_eq!(
            last_chunk_key(Some(r#"{"chunks":3,"next_seq":700}"#)).as_deref(),
            Some("qinglian.events.000002")
        );
        assert_eq!(last_chunk_key(Some(r#"{"chunks":0,"next_seq":0}"#)), None);
        assert_eq!(last_chunk_key(Some("not json")), None);
        assert_eq!(last_chunk_key(None), None);
    }

    #[test]
    fn a_picture_is_painted_only_by_its_build_on_its_day_with_its_entries() {
        let offset = 480; // China Standard Time
        let day = calendar::from_civil(2026, 11, 29);
        let kept_at = calendar::local_time(day, 21 * 60, offset);
        let picture = TodayPicture {
            form: FORM,
            style: "/main-3bc7d2e0e64823bc.css".into(),
            stamp: 42,
            until: until(&Progress::default(), kept_at, offset),
            lang: "zh-Hans".into(),
            class: "text-normal".into(),
            theme: "system".into(),
            title: "清廉".into(),
            online: "在线".into(),
            offline: "离线".into(),
            markup: "<main id=\"main\"></main>".into(),
        };
        assert!(paintable(
            &picture,
            "/main-3bc7d2e0e64823bc.css",
            kept_at,
            42
        ));
        assert!(
            !paintable(&picture, "/main-0000000000000000.css", kept_at, 42),
            "another build"
        );
        assert!(
            !paintable(&picture, "/main-3bc7d2e0e64823bc.css", kept_at, 43),
            "entries changed"
        );
        let midnight = calendar::local_time(day + 1, 0, offset);
        assert!(paintable(
            &picture,
            "/main-3bc7d2e0e64823bc.css",
            midnight - 1,
            42
        ));
        assert!(
            !paintable(&picture, "/main-3bc7d2e0e64823bc.css", midnight, 42),
            "the next day"
        );
        // Stored and read back; another form or damaged text is no picture.
        let raw = serde_json::to_string(&picture).unwrap();
        assert_eq!(read(&raw), Some(picture.clone()));
        assert_eq!(read(&raw.replace("\"form\":1", "\"form\":2")), None);
        assert_eq!(read(&raw[..raw.len() / 2]), None);
    }
}
