//! How the app keeps its event log in browser storage: chunks of events in a
//! packed form. Browser storage holds about 5.2 million characters per site,
//! and it is read whole: Chromium loads every entry of a site the first
//! time the page touches its storage, so the log's size is paid at every
//! start, not only its capacity. An event written as the server receives it
//! (`{"id":…,"device":…}`) takes about 180 characters; the compact form of
//! version 2 about 86 (50,000 events: 4.3 million characters, a fifth of a
//! second's load on a slow phone and most of the room there is).
//!
//! The packed form (version 3) writes a chunk in a binary layout (the
//! device named once per chunk, a UUID id as its 16 bytes, numbers as
//! variable-length integers, a time as the step from the event before, the
//! kind by its place in [`StoredKind`]), compresses it (LZ4: the lesson and
//! question ids repeat from event to event), and stores 15 bits in each
//! character: about 13 characters an event for a typical history.
//!
//! Chunks in the earlier forms (a JSON array of events, "version 1"; the
//! compact JSON of version 2) are still read; the app rewrites them in the
//! packed form.

use crate::events::{Event, EventKind};
use serde::{Deserialize, Serialize};

/// What a chunk in the packed form (version 3, the one [`encode`] writes)
/// begins with; a later form would begin with its own number (`v4:`), which
/// this version refuses by name.
const PACKED_MARK: &str = "v3:";

/// A chunk in the compact JSON form of version 2, as read.
#[derive(Serialize, Deserialize)]
struct Chunk {
    /// Always 2: an unknown version is refused, never misread.
    v: u32,
    /// The devices of the chunk's events, each once.
    devices: Vec<String>,
    events: Vec<StoredEvent>,
}

/// One event: id, index into `devices`, seq, milliseconds after the previous
/// event of the chunk (the first: after 0), and what happened.
#[derive(Serialize, Deserialize)]
struct StoredEvent(String, usize, u64, i64, StoredKind);

/// [`EventKind`] with short tags and positional fields. The tags are part
/// of the compact JSON form, and the order of the kinds of the packed one:
/// never change or reuse a tag, and add a kind only at the end
/// (`the_packed_form_is_pinned` fails otherwise).
#[derive(Serialize, Deserialize)]
enum StoredKind {
    #[serde(rename = "l")]
    LessonDone(String),
    #[serde(rename = "a")]
    QuestionAnswered(String, String, Vec<u32>, bool),
    #[serde(rename = "q")]
    QuizFinished(String, u32, u32),
    #[serde(rename = "s")]
    ScenarioFinished(String, Vec<String>, u32, u32),
    #[serde(rename = "r")]
    ReflectionSaved(String, String),
    #[serde(rename = "t")]
    StudyTime(u32),
    #[serde(rename = "ec")]
    ElectiveChosen(String),
    #[serde(rename = "ed")]
    ElectiveDropped(String),
    #[serde(rename = "rr")]
    RiskRated(String, String, u8, u8, String),
    #[serde(rename = "rc")]
    RiskCheckCompleted(String),
    #[serde(rename = "p")]
    PledgeAcknowledged(u32),
    #[serde(rename = "ci")]
    SessionCheckIn(i64, String),
    #[serde(rename = "sr")]
    SessionReflectionSaved(i64, String),
    #[serde(rename = "v")]
    Void(String),
}

impl From<&EventKind> for StoredKind {
    fn from(kind: &EventKind) -> StoredKind {
        use EventKind as K;
        match kind.clone() {
            K::LessonDone { lesson } => StoredKind::LessonDone(lesson),
            K::QuestionAnswered {
                lesson,
                question,
                chosen,
                correct,
            } => StoredKind::QuestionAnswered(lesson, question, chosen, correct),
            K::QuizFinished {
                lesson,
                score,
                total,
            } => StoredKind::QuizFinished(lesson, score, total),
            K::ScenarioFinished {
                scenario,
                choices,
                sound,
                total,
            } => StoredKind::ScenarioFinished(scenario, choices, sound, total),
            K::ReflectionSaved { lesson, text } => StoredKind::ReflectionSaved(lesson, text),
            K::StudyTime { seconds } => StoredKind::StudyTime(seconds),
            K::ElectiveChosen { lesson } => StoredKind::ElectiveChosen(lesson),
            K::ElectiveDropped { lesson } => StoredKind::ElectiveDropped(lesson),
            K::RiskRated {
                checklist,
                point,
                likelihood,
                impact,
                measure,
            } => StoredKind::RiskRated(checklist, point, likelihood, impact, measure),
            K::RiskCheckCompleted { checklist } => StoredKind::RiskCheckCompleted(checklist),
            K::PledgeAcknowledged { version } => StoredKind::PledgeAcknowledged(version),
            K::SessionCheckIn { session, code } => StoredKind::SessionCheckIn(session, code),
            K::SessionReflectionSaved { session, text } => {
                StoredKind::SessionReflectionSaved(session, text)
            }
            K::Void { target } => StoredKind::Void(target),
        }
    }
}

impl From<StoredKind> for EventKind {
    fn from(kind: StoredKind) -> EventKind {
        use StoredKind as S;
        match kind {
            S::LessonDone(lesson) => EventKind::LessonDone { lesson },
            S::QuestionAnswered(lesson, question, chosen, correct) => EventKind::QuestionAnswered {
                lesson,
                question,
                chosen,
                correct,
            },
            S::QuizFinished(lesson, score, total) => EventKind::QuizFinished {
                lesson,
                score,
                total,
            },
            S::ScenarioFinished(scenario, choices, sound, total) => EventKind::ScenarioFinished {
                scenario,
                choices,
                sound,
                total,
            },
            S::ReflectionSaved(lesson, text) => EventKind::ReflectionSaved { lesson, text },
            S::StudyTime(seconds) => EventKind::StudyTime { seconds },
            S::ElectiveChosen(lesson) => EventKind::ElectiveChosen { lesson },
            S::ElectiveDropped(lesson) => EventKind::ElectiveDropped { lesson },
            S::RiskRated(checklist, point, likelihood, impact, measure) => EventKind::RiskRated {
                checklist,
                point,
                likelihood,
                impact,
                measure,
            },
            S::RiskCheckCompleted(checklist) => EventKind::RiskCheckCompleted { checklist },
            S::PledgeAcknowledged(version) => EventKind::PledgeAcknowledged { version },
            S::SessionCheckIn(session, code) => EventKind::SessionCheckIn { session, code },
            S::SessionReflectionSaved(session, text) => {
                EventKind::SessionReflectionSaved { session, text }
            }
            S::Void(target) => EventKind::Void { target },
        }
    }
}

/// A chunk in the packed form, before it is compressed.
#[derive(Serialize, Deserialize)]
struct PackedChunk {
    devices: Vec<String>,
    events: Vec<PackedEvent>,
}

/// One event: id, index into `devices`, seq, milliseconds after the previous
/// event of the chunk (the first: after 0), and what happened.
#[derive(Serialize, Deserialize)]
struct PackedEvent(PackedId, u32, u64, i64, StoredKind);

/// An event's id: the app makes UUIDs (16 bytes where their text takes 36),
/// but an id from elsewhere (an import) is kept as it is.
#[derive(Serialize, Deserialize)]
enum PackedId {
    Uuid([u8; 16]),
    Text(String),
}

impl PackedId {
    fn of(id: &str) -> PackedId {
        match uuid_bytes(id) {
            Some(bytes) => PackedId::Uuid(bytes),
            None => PackedId::Text(id.to_owned()),
        }
    }

    fn into_text(self) -> String {
        match self {
            PackedId::Uuid(bytes) => uuid_text(&bytes),
            PackedId::Text(text) => text,
        }
    }
}

/// The 16 bytes of a UUID written as the browser writes one (lower-case
/// hex, hyphens at 8-4-4-4-12); `None` for any other text, so that every id
/// reads back exactly as it was.
fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let text = id.as_bytes();
    if text.len() != 36 {
        return None;
    }
    let mut bytes = [0u8; 16];
    let mut digits = text
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(i, 8 | 13 | 18 | 23));
    for byte in &mut bytes {
        let (_, high) = digits.next()?;
        let (_, low) = digits.next()?;
        *byte = (hex_value(*high)? << 4) | hex_value(*low)?;
    }
    let hyphens = [8, 13, 18, 23].iter().all(|&i| text[i] == b'-');
    hyphens.then_some(bytes)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

fn uuid_text(bytes: &[u8; 16]) -> String {
    let mut text = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push_str(&format!("{byte:02x}"));
    }
    text
}

/// The events as one stored chunk, in the packed form.
pub fn encode(events: &[Event]) -> String {
    let mut devices: Vec<String> = Vec::new();
    let mut previous_at = 0i64;
    let packed = events
        .iter()
        .map(|event| {
            let device = match devices.iter().position(|d| *d == event.device) {
                Some(index) => index,
                None => {
                    devices.push(event.device.clone());
                    devices.len() - 1
                }
            };
            let step = event.at.wrapping_sub(previous_at);
            previous_at = event.at;
            PackedEvent(
                PackedId::of(&event.id),
                device as u32,
                event.seq,
                step,
                StoredKind::from(&event.kind),
            )
        })
        .collect();
    let compressed = lz4_flex::compress_prepend_size(&layout(&PackedChunk {
        devices,
        events: packed,
    }));
    let mut raw = String::with_capacity(PACKED_MARK.len() + compressed.len() * 3 / 2);
    raw.push_str(PACKED_MARK);
    pack_bits(&compressed, &mut raw);
    raw
}

/// The packed form's binary layout of a chunk, before compression.
fn layout(chunk: &PackedChunk) -> Vec<u8> {
    postcard::to_allocvec(chunk).expect("events serialise")
}

/// Is this stored chunk in an earlier form (and worth rewriting)?
pub fn is_old_form(raw: &str) -> bool {
    !raw.starts_with(PACKED_MARK)
}

/// How much of the browser's storage a stored chunk takes: characters as
/// the browser counts them (UTF-16 code units), not UTF-8 bytes.
pub fn stored_size(raw: &str) -> usize {
    raw.encode_utf16().count()
}

/// The largest chunk the packed form unpacks (a chunk is 256 events: even
/// long reflections come nowhere near); a damaged entry that claims more is
/// refused instead of filling the memory.
const LARGEST_UNPACKED: usize = 16 << 20;

/// Reads a stored chunk, in any form. The error says what is wrong, for
/// the notice of an entry set aside.
pub fn decode(raw: &str) -> Result<Vec<Event>, String> {
    if let Some(packed) = raw.strip_prefix(PACKED_MARK) {
        return decode_packed(packed);
    }
    if let Some(form) = later_form(raw) {
        return Err(unknown_form(form));
    }
    if raw.trim_start().starts_with('[') {
        return serde_json::from_str(raw).map_err(|err| err.to_string());
    }
    let chunk: Chunk = serde_json::from_str(raw).map_err(|err| err.to_string())?;
    if chunk.v != 2 {
        return Err(unknown_form(&chunk.v.to_string()));
    }
    let events = chunk
        .events
        .into_iter()
        .map(|StoredEvent(id, device, seq, step, kind)| (id, device, seq, step, kind));
    events_of(&chunk.devices, events)
}

/// A chunk's events from its stored fields (id, index into `devices`, seq,
/// step from the event before, kind), in either form.
fn events_of(
    devices: &[String],
    stored: impl Iterator<Item = (String, usize, u64, i64, StoredKind)>,
) -> Result<Vec<Event>, String> {
    let mut at = 0i64;
    stored
        .enumerate()
        .map(|(n, (id, device, seq, step, kind))| {
            at = at.wrapping_add(step);
            Ok(Event {
                id,
                device: device_of(devices, n, device)?,
                seq,
                at,
                kind: kind.into(),
            })
        })
        .collect()
}

/// The number of a packed form other than this one (`v4:` …).
fn later_form(raw: &str) -> Option<&str> {
    let (mark, _) = raw.split_once(':')?;
    let number = mark.strip_prefix('v')?;
    (!number.is_empty() && number.len() <= 4 && number.bytes().all(|b| b.is_ascii_digit()))
        .then_some(number)
}

fn unknown_form(form: &str) -> String {
    format!("written in form {form} of the log, which this version does not know")
}

fn device_of(devices: &[String], event: usize, device: usize) -> Result<String, String> {
    devices
        .get(device)
        .cloned()
        .ok_or_else(|| format!("event {event} names device {device}, which is not listed"))
}

fn decode_packed(packed: &str) -> Result<Vec<Event>, String> {
    let compressed = unpack_bits(packed)?;
    let size = compressed
        .get(..4)
        .map(|prefix| u32::from_le_bytes(prefix.try_into().expect("four bytes")) as usize)
        .ok_or("the packed chunk is cut short")?;
    if size > LARGEST_UNPACKED {
        return Err(format!(
            "the packed chunk claims {size} bytes, more than a chunk holds"
        ));
    }
    let bytes = lz4_flex::block::decompress(&compressed[4..], size)
        .map_err(|err| format!("the packed chunk is damaged: {err}"))?;
    let (chunk, rest): (PackedChunk, _) = postcard::take_from_bytes(&bytes)
        .map_err(|err| format!("the packed chunk is damaged: {err}"))?;
    if !rest.is_empty() {
        return Err("the packed chunk has bytes after its last event".into());
    }
    let events = chunk
        .events
        .into_iter()
        .map(|PackedEvent(id, device, seq, step, kind)| {
            (id.into_text(), device as usize, seq, step, kind)
        });
    events_of(&chunk.devices, events)
}

/// The first character of the packed form's alphabet: 32,768 characters
/// from here on, none of them a surrogate or a control character, each
/// holding 15 bits.
const ALPHABET_START: u32 = 0x100;

/// Appends `bytes` to `out`, 15 bits a character, their count first (the
/// last character's spare bits are then never taken for a byte).
fn pack_bits(bytes: &[u8], out: &mut String) {
    let count = (bytes.len() as u32).to_le_bytes();
    let mut held: u32 = 0;
    let mut bits = 0;
    for &byte in count.iter().chain(bytes) {
        held = (held << 8) | u32::from(byte);
        bits += 8;
        if bits >= 15 {
            bits -= 15;
            out.push(symbol((held >> bits) & 0x7fff));
            held &= (1 << bits) - 1;
        }
    }
    if bits > 0 {
        out.push(symbol((held << (15 - bits)) & 0x7fff));
    }
}

fn symbol(value: u32) -> char {
    char::from_u32(ALPHABET_START + value).expect("below the surrogates")
}

/// The bytes [`pack_bits`] packed; an error for a character outside the
/// alphabet or a count that does not match.
fn unpack_bits(packed: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(packed.len() / 2 + 2);
    let mut held: u32 = 0;
    let mut bits = 0;
    for c in packed.chars() {
        let value = (c as u32)
            .checked_sub(ALPHABET_START)
            .filter(|v| *v < 0x8000)
            .ok_or_else(|| {
                format!(
                    "the packed chunk holds a character it never writes (U+{:04X})",
                    c as u32
                )
            })?;
        held = (held << 15) | value;
        bits += 15;
        while bits >= 8 {
            bits -= 8;
            bytes.push((held >> bits) as u8);
        }
        held &= (1 << bits) - 1;
    }
    let count = bytes
        .get(..4)
        .map(|prefix| u32::from_le_bytes(prefix.try_into().expect("four bytes")) as usize)
        .ok_or("the packed chunk is cut short")?;
    let body = bytes.len() - 4;
    // The last character's spare bits make at most one byte more.
    if body < count || body > count + 1 {
        return Err("the packed chunk is cut short".into());
    }
    bytes.truncate(4 + count);
    bytes.drain(..4);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64, device: &str, at: i64, kind: EventKind) -> Event {
        Event {
            id: format!("00000000-0000-4000-8000-{n:012}"),
            device: device.into(),
            seq: n,
            at,
            kind,
        }
    }

    #[test]
    fn a_chunk_reads_back_as_written() {
        let mut events = vec![
            event(
                1,
                "phone",
                1_780_000_000_000,
                EventKind::StudyTime { seconds: 60 },
            ),
            event(
                2,
                "tablet",
                1_779_000_000_000,
                EventKind::ReflectionSaved {
                    lesson: "gifts".into(),
                    text: "记录每一次请托，\"如实\"报告。\n😀".into(),
                },
            ),
            event(3, "phone", -5, EventKind::Void { target: "x".into() }),
        ];
        // Ids that are not the browser's UUIDs are kept exactly as they are.
        events[1].id = "8F14E45F-CEEA-467F-A0E6-3F9A1B2C3D4E".into();
        events[2].id = "imported-7".into();
        let raw = encode(&events);
        assert!(raw.starts_with("v3:"), "{raw}");
        assert!(!is_old_form(&raw));
        assert_eq!(decode(&raw).unwrap(), events);
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<Event>::new());
    }

    #[test]
    fn the_earlier_forms_are_still_read() {
        let events = vec![event(
            1,
            "phone",
            1_780_000_000_000,
            EventKind::LessonDone {
                lesson: "gifts".into(),
            },
        )];
        let first = serde_json::to_string(&events).unwrap();
        assert!(is_old_form(&first));
        assert_eq!(decode(&first).unwrap(), events);
        let second = r#"{"v":2,"devices":["phone"],"events":[["00000000-0000-4000-8000-000000000001",0,1,1780000000000,{"l":"gifts"}]]}"#;
        assert!(is_old_form(second));
        assert_eq!(decode(second).unwrap(), events);
    }

    #[test]
    fn an_unknown_form_or_a_damaged_chunk_is_refused_with_a_reason() {
        let unknown = decode(r#"{"v":4,"devices":[],"events":[]}"#).unwrap_err();
        assert!(unknown.contains("form 4"), "{unknown}");
        let later = decode("v4:ĀĀĀ").unwrap_err();
        assert!(later.contains("form 4"), "{later}");
        let missing =
            decode(r#"{"v":2,"devices":[],"events":[["id",0,1,5,{"t":60}]]}"#).unwrap_err();
        assert!(missing.contains("device 0"), "{missing}");
        assert!(decode("{").is_err());
        assert!(decode(r#"{"v":2,"devices":["d"],"events":[["id",0,1,5,{"zz":1}]]}"#).is_err());

        let events: Vec<Event> = (0..40)
            .map(|n| event(n, "phone", n as i64, EventKind::StudyTime { seconds: 60 }))
            .collect();
        let raw = encode(&events);
        let chars: Vec<char> = raw.chars().collect();
        let cut: String = chars[..chars.len() - 3].iter().collect();
        assert!(decode(&cut).unwrap_err().contains("cut short"));
        let foreign = decode("v3:abc").unwrap_err();
        assert!(foreign.contains("never writes"), "{foreign}");
        // A count of bytes far beyond any chunk is refused before unpacking.
        let mut huge = String::from("v3:");
        pack_bits(&[0, 0, 0, 0x7f, 1, 2, 3], &mut huge);
        assert!(decode(&huge)
            .unwrap_err()
            .contains("more than a chunk holds"));
        // Every character changed at one place: refused or read, never a panic.
        for at in 3..chars.len() {
            let mut damaged = chars.clone();
            damaged[at] = symbol((damaged[at] as u32 - ALPHABET_START + 4321) & 0x7fff);
            let _ = decode(&damaged.iter().collect::<String>());
        }
    }

    #[test]
    fn bits_pack_and_unpack_at_every_length() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut packed = String::new();
            pack_bits(&bytes, &mut packed);
            assert_eq!(unpack_bits(&packed).unwrap(), bytes, "{len} bytes");
            // 15 bits a character, the four bytes of the count included.
            assert_eq!(packed.chars().count(), ((len + 4) * 8).div_ceil(15));
        }
    }

    /// The kinds' places in the packed form are part of what is stored: a
    /// kind moved or removed would read every chunk kept before as another
    /// kind. New kinds go at the end of `StoredKind`, and this stays.
    #[test]
    fn the_packed_form_is_pinned() {
        let kinds = vec![
            EventKind::LessonDone { lesson: "l".into() },
            EventKind::QuestionAnswered {
                lesson: "l".into(),
                question: "q".into(),
                chosen: vec![2],
                correct: true,
            },
            EventKind::QuizFinished {
                lesson: "l".into(),
                score: 4,
                total: 5,
            },
            EventKind::ScenarioFinished {
                scenario: "s".into(),
                choices: vec!["c".into()],
                sound: 1,
                total: 2,
            },
            EventKind::ReflectionSaved {
                lesson: "l".into(),
                text: "t".into(),
            },
            EventKind::StudyTime { seconds: 60 },
            EventKind::ElectiveChosen { lesson: "l".into() },
            EventKind::ElectiveDropped { lesson: "l".into() },
            EventKind::RiskRated {
                checklist: "c".into(),
                point: "p".into(),
                likelihood: 2,
                impact: 3,
                measure: "m".into(),
            },
            EventKind::RiskCheckCompleted {
                checklist: "c".into(),
            },
            EventKind::PledgeAcknowledged { version: 7 },
            EventKind::SessionCheckIn {
                session: 9,
                code: "k".into(),
            },
            EventKind::SessionReflectionSaved {
                session: 9,
                text: "t".into(),
            },
            EventKind::Void { target: "x".into() },
        ];
        let chunk = PackedChunk {
            devices: vec!["d".into()],
            events: kinds
                .iter()
                .enumerate()
                .map(|(n, kind)| {
                    PackedEvent(PackedId::Text(String::new()), 0, n as u64, 1, kind.into())
                })
                .collect(),
        };
        let hex: String = layout(&chunk).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, PINNED_LAYOUT);
    }

    const PINNED_LAYOUT: &str = "0101640e010000000200016c010000010201016c0171010201010000020202016c040501000003020301730101630102010000040204016c01740100000502053c010000060206016c010000070207016c010000080208016301700203016d01000009020901630100000a020a070100000b020b12016b0100000c020c1201740100000d020d0178";

    #[test]
    fn a_typical_event_takes_a_small_part_of_the_room() {
        let kinds = [
            EventKind::StudyTime { seconds: 60 },
            EventKind::QuestionAnswered {
                lesson: "conflict-of-interest".into(),
                question: "q3".into(),
                chosen: vec![1],
                correct: true,
            },
            EventKind::QuizFinished {
                lesson: "conflict-of-interest".into(),
                score: 4,
                total: 5,
            },
        ];
        // Random ids, as the browser makes them (a fixed generator).
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random_id = move || {
            let mut bytes = [0u8; 16];
            for byte in &mut bytes {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = state as u8;
            }
            uuid_text(&bytes)
        };
        let events: Vec<Event> = (0..256)
            .map(|n| {
                let mut e = event(
                    n,
                    "8f14e45f-ceea-467f-a0e6-3f9a1b2c3d4e",
                    1_780_000_000_000 + n as i64 * 120_000,
                    kinds[n as usize % 3].clone(),
                );
                e.id = random_id();
                e
            })
            .collect();
        let sent = stored_size(&serde_json::to_string(&events).unwrap());
        let packed = stored_size(&encode(&events));
        eprintln!(
            "{} characters an event as sent, {} packed",
            sent / 256,
            packed / 256
        );
        assert!(packed * 8 < sent, "packed {packed} against {sent}");
    }
}
