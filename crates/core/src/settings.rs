//! The learner's preferences. Kept on the device (never on a server) and read
//! before the first paint, so the app opens in the user's language and size.

use serde::{Deserialize, Serialize};

/// The essay's three groups of learners; each gets its own path through the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Bureau leaders: collective study, a menu of electives, guiding others.
    LeadingCadre,
    /// Middle cadres: integrity tied to the risk points of their own post.
    DepartmentHead,
    /// Civil servants: engaging forms, overall quality, self-discipline.
    Staff,
}

impl Tier {
    /// Every tier, in the order the app lists them.
    pub const ALL: [Tier; 3] = [Tier::LeadingCadre, Tier::DepartmentHead, Tier::Staff];

    /// The id used in content files, URLs and storage.
    pub fn id(self) -> &'static str {
        match self {
            Tier::LeadingCadre => "leading_cadre",
            Tier::DepartmentHead => "department_head",
            Tier::Staff => "staff",
        }
    }

    /// Reads an id back; `None` for anything unknown.
    pub fn from_id(id: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|tier| tier.id() == id)
    }
}

/// The language of the interface and of the content edition the learner reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-Hans")]
    ZhHans,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhHans];

    /// The content editions, the primary one (Simplified Chinese) first: the
    /// other editions are checked against it.
    pub const EDITIONS: [Lang; 2] = [Lang::ZhHans, Lang::En];

    /// The language for a first run, from the browser's preferred languages
    /// (`navigator.languages`): any Chinese tag picks 简体中文, else English.
    pub fn from_browser<S: AsRef<str>>(languages: &[S]) -> Lang {
        let chinese = languages.iter().any(|tag| {
            let tag = tag.as_ref().trim().to_ascii_lowercase();
            tag == "zh" || tag.starts_with("zh-") || tag.starts_with("zh_")
        });
        if chinese {
            Lang::ZhHans
        } else {
            Lang::En
        }
    }

    /// The BCP 47 tag, written to `<html lang>` so screen readers pick the right voice.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
        }
    }

    /// The language's own name, shown in the switch whatever the current language.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhHans => "简体中文",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.tag() == tag)
    }
}

/// Text size for readers who need larger type; scales the whole interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    #[default]
    Normal,
    Large,
    Larger,
}

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Normal, TextSize::Large, TextSize::Larger];

    /// The class put on `<html>`; the stylesheet maps it to a root font size.
    pub fn class(self) -> &'static str {
        match self {
            TextSize::Normal => "text-normal",
            TextSize::Large => "text-large",
            TextSize::Larger => "text-larger",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::Larger => "larger",
        }
    }

    pub fn from_id(id: &str) -> Option<TextSize> {
        TextSize::ALL.into_iter().find(|size| size.id() == id)
    }
}

/// Colour scheme; `System` follows the phone's dark-mode setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The `data-theme` value on `<html>`.
    pub fn id(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_id(id: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|theme| theme.id() == id)
    }
}

/// Everything the Settings page changes. Unknown or missing fields fall back to
/// their defaults, so an entry written by an older or newer app still loads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    pub text_size: TextSize,
    pub theme: Theme,
    /// `None` until the first-run welcome has asked.
    pub tier: Option<Tier>,
    /// The learner's name as printed on certificates; optional.
    pub display_name: String,
}

/// Why a stored settings entry could not be used; the app keeps the raw text
/// aside and tells the user instead of silently losing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptSettings {
    pub reason: String,
}

impl Settings {
    /// Reads settings from their stored JSON. Fields with unknown values (say a
    /// language a newer app added) fall back one by one instead of failing all.
    pub fn from_json(text: &str) -> Result<Settings, CorruptSettings> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|err| CorruptSettings {
                reason: format!("not valid JSON: {err}"),
            })?;
        let object = value.as_object().ok_or_else(|| CorruptSettings {
            reason: "expected a JSON object".to_owned(),
        })?;
        let text_field = |name: &str| object.get(name).and_then(|v| v.as_str());
        Ok(Settings {
            lang: text_field("lang")
                .and_then(Lang::from_tag)
                .unwrap_or_default(),
            text_size: text_field("text_size")
                .and_then(TextSize::from_id)
                .unwrap_or_default(),
            theme: text_field("theme")
                .and_then(Theme::from_id)
                .unwrap_or_default(),
            tier: text_field("tier").and_then(Tier::from_id),
            display_name: text_field("display_name").unwrap_or_default().to_owned(),
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("settings always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let settings = Settings {
            lang: Lang::ZhHans,
            text_size: TextSize::Larger,
            theme: Theme::Dark,
            tier: Some(Tier::DepartmentHead),
            display_name: "Li Ming".into(),
        };
        assert_eq!(Settings::from_json(&settings.to_json()), Ok(settings));
    }

    #[test]
    fn unknown_values_fall_back_field_by_field() {
        let parsed =
            Settings::from_json(r#"{"lang":"fr","text_size":"large","theme":42,"tier":"staff"}"#)
                .unwrap();
        assert_eq!(parsed.lang, Lang::En);
        assert_eq!(parsed.text_size, TextSize::Large);
        assert_eq!(parsed.theme, Theme::System);
        assert_eq!(parsed.tier, Some(Tier::Staff));
    }

    #[test]
    fn the_browser_language_picks_the_first_run_language() {
        assert_eq!(Lang::from_browser(&["zh-CN", "en-US"]), Lang::ZhHans);
        assert_eq!(Lang::from_browser(&["en-GB", "zh-TW"]), Lang::ZhHans);
        assert_eq!(Lang::from_browser(&["ZH"]), Lang::ZhHans);
        assert_eq!(Lang::from_browser(&["en-US"]), Lang::En);
        assert_eq!(Lang::from_browser(&["fr-FR", "zhx"]), Lang::En);
        assert_eq!(Lang::from_browser::<&str>(&[]), Lang::En);
    }

    #[test]
    fn garbage_is_reported_not_swallowed() {
        assert!(Settings::from_json("{not json").is_err());
        assert!(Settings::from_json("[1,2]").is_err());
    }

    #[test]
    fn ids_round_trip() {
        for tier in Tier::ALL {
            assert_eq!(Tier::from_id(tier.id()), Some(tier));
        }
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        for size in TextSize::ALL {
            assert_eq!(TextSize::from_id(size.id()), Some(size));
        }
        for theme in Theme::ALL {
            assert_eq!(Theme::from_id(theme.id()), Some(theme));
        }
    }
}
