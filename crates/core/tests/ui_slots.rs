//! Every place the app fills a translated text names exactly the slots that
//! text has, in both languages: a missing or misspelt slot name would show
//! `{name}` to a learner, so it fails here instead.

use qinglian_core::i18n::{slot_names, text, Key};
use qinglian_core::settings::Lang;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text from `open` (just after a `(`) to its matching `)`.
fn call_arguments(source: &str, open: usize) -> &str {
    let mut depth = 1;
    for (i, c) in source[open..].char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return &source[open..open + i];
                }
            }
            _ => {}
        }
    }
    &source[open..]
}

/// Each fill call in `source`: (key name, slot names given).
fn fill_calls(source: &str) -> Vec<(String, Vec<String>)> {
    let mut calls = Vec::new();
    for marker in ["trf(", "i18n::fill(", "Message::of("] {
        let mut from = 0;
        while let Some(at) = source[from..].find(marker) {
            let open = from + at + marker.len();
            from = open;
            // Skip definitions (`fn trf(`).
            if source[..open - marker.len()].ends_with("fn ") {
                continue;
            }
            let args = call_arguments(source, open);
            let Some(key_at) = args.find("Key::") else {
                continue;
            };
            let key: String = args[key_at + 5..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // Slots are `("name", …)` tuples directly in the slot list;
            // tuples inside nested calls belong to those calls.
            let rest = &args[key_at..];
            let mut slots = Vec::new();
            let mut depth = 0;
            let bytes: Vec<char> = rest.chars().collect();
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    '(' | '[' => {
                        depth += 1;
                        if bytes[i] == '(' && depth <= 2 {
                            let tail: String = bytes[i + 1..].iter().collect();
                            let tail = tail.trim_start();
                            if let Some(quoted) = tail.strip_prefix('"') {
                                if let Some(end) = quoted.find('"') {
                                    if quoted[end + 1..].trim_start().starts_with(',') {
                                        slots.push(quoted[..end].to_owned());
                                    }
                                }
                            }
                        }
                    }
                    ')' | ']' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            calls.push((key, slots));
        }
    }
    calls
}

#[test]
fn every_fill_in_the_app_names_the_slots_of_its_text() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (name, mut given) in fill_calls(&source) {
            let Some(key) = Key::from_name(&name) else {
                problems.push(format!("{}: unknown key {name}", file.display()));
                continue;
            };
            given.sort();
            given.dedup();
            for lang in Lang::ALL {
                let wanted = slot_names(text(lang, key));
                if wanted != given {
                    problems.push(format!(
                        "{}: Key::{name} is filled with {given:?}, its {} text has {wanted:?}",
                        file.display(),
                        lang.tag()
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked > 30,
        "only {checked} fill calls found: is the scan broken?"
    );
}

#[test]
fn the_scan_finds_a_misspelt_slot() {
    let calls = fill_calls(r#"trf(Key::QuizScore, vec![("score", a), ("totl", b)])"#);
    assert_eq!(
        calls,
        [(
            "QuizScore".to_owned(),
            vec!["score".to_owned(), "totl".to_owned()]
        )]
    );
    let nested = fill_calls(
        r#"trf(Key::CertificateBody, vec![("track", tr(track_key(t))().to_owned()), ("n", x)])"#,
    );
    assert_eq!(nested[0].1, ["track", "n"]);
}
