//! Every word the interface says, in each language it speaks. One table per
//! language, generated from a single list so that a string missing from either
//! language does not compile.

use crate::settings::Lang;

macro_rules! ui_text {
    ($($key:ident => $en:expr, $zh:expr;)+) => {
        /// A piece of interface text. Content (lessons, quizzes) is not here: it
        /// comes from the content pack.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Key { $($key),+ }

        impl Key {
            /// Every key, for tests that check both tables.
            pub const ALL: &'static [Key] = &[$(Key::$key),+];
        }

        /// The English table.
        fn english(key: Key) -> &'static str {
            match key { $(Key::$key => $en),+ }
        }

        /// The Simplified Chinese table.
        fn chinese(key: Key) -> &'static str {
            match key { $(Key::$key => $zh),+ }
        }
    };
}

/// The text of `key` in `lang`.
pub fn text(lang: Lang, key: Key) -> &'static str {
    match lang {
        Lang::En => english(key),
        Lang::ZhHans => chinese(key),
    }
}

/// The text with `{n}`-style slots filled, for counts and names.
pub fn fill(lang: Lang, key: Key, slots: &[(&str, &str)]) -> String {
    let mut out = text(lang, key).to_owned();
    for (name, value) in slots {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

ui_text! {
    AppName => "Qinglian", "清廉";
    AppTagline => "Integrity study for the judicial bureau", "司法局廉政学习";
    SkipToContent => "Skip to content", "跳到正文";
    NavToday => "Today", "今日";
    NavLibrary => "Library", "学习库";
    NavProgress => "Progress", "进度";
    NavSettings => "Settings", "设置";
    NavMain => "Main", "主导航";
    Online => "Online", "在线";
    Offline => "Offline", "离线";
    OfflineHint => "You are offline. Everything you study is saved on this phone.", "当前离线。学习记录会保存在本机。";
    UpdateReady => "Update ready", "新版本已就绪";
    UpdateReload => "Reload", "重新加载";

    WelcomeTitle => "Welcome to Qinglian", "欢迎使用清廉";
    WelcomeIntro => "Short lessons, quizzes and real situations from the bureau's work, for ten spare minutes. Everything works without a network and stays on this phone.", "利用十分钟空闲时间，学习短课、答题、体验局里工作中的真实情境。无网络也能使用，记录保存在本机。";
    WelcomeAskTier => "Which describes your post? This chooses your study path; you can change it in Settings.", "您的岗位属于哪一类？这将决定您的学习路径，之后可在设置中更改。";
    WelcomeStart => "Start studying", "开始学习";

    TierLeadingCadre => "Leading cadre", "领导干部";
    TierLeadingCadreHint => "Bureau leaders: team study, a menu of electives, guiding your staff.", "局领导：集体学习、菜单式选学、指导下属。";
    TierDepartmentHead => "Department head", "科室负责人";
    TierDepartmentHeadHint => "Section and department heads: the risk points of your post and how to prevent them.", "科室负责人：查找岗位廉政风险点及防控措施。";
    TierStaff => "Staff", "工作人员";
    TierStaffHint => "Civil servants: quizzes, situations and skills for honest work.", "一般工作人员：答题、情境和廉洁履职技能。";

    TodayTitle => "Today", "今日学习";
    TodayGreeting => "Ten spare minutes are enough.", "十分钟，也能学有所得。";
    LibraryTitle => "Library", "学习库";
    LessonTitle => "Lesson", "课程";
    ProgressTitle => "Progress", "学习进度";

    SettingsTitle => "Settings", "设置";
    SettingsLanguage => "Language", "语言";
    SettingsTextSize => "Text size", "字号";
    TextNormal => "Normal", "标准";
    TextLarge => "Large", "大";
    TextLarger => "Larger", "特大";
    SettingsTheme => "Theme", "主题";
    ThemeSystem => "Same as phone", "跟随系统";
    ThemeLight => "Light", "浅色";
    ThemeDark => "Dark", "深色";
    SettingsTier => "Your study path", "学习路径";
    SettingsName => "Your name (for certificates)", "姓名（用于证书）";
    SettingsSaved => "Saved on this phone.", "已保存在本机。";
    StorageProblem => "Some saved data could not be read and was set aside. It is kept, not deleted.", "部分已保存的数据无法读取，已单独保留，未被删除。";
    StorageFull => "This phone's storage for Qinglian is full: the last change was not saved. Free some space (export your data, clear old browser data) and try again; nothing saved earlier is lost.", "本机存储空间已满，刚才的更改未能保存。请释放空间（导出数据、清理浏览器旧数据）后重试；之前保存的内容不会丢失。";

    NotFoundTitle => "Page not found", "页面不存在";
    NotFoundBody => "There is no page at this address. It may have moved, or the link may be mistyped.", "该地址没有页面，可能已移动或链接有误。";
    BackToToday => "Back to Today", "返回今日";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_text_in_every_language() {
        for &key in Key::ALL {
            for lang in Lang::ALL {
                assert!(
                    !text(lang, key).trim().is_empty(),
                    "{key:?} is empty in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn chinese_table_is_translated() {
        let same: Vec<_> = Key::ALL
            .iter()
            .filter(|&&key| text(Lang::En, key) == text(Lang::ZhHans, key))
            .collect();
        assert!(same.is_empty(), "untranslated keys: {same:?}");
    }

    #[test]
    fn slots_are_filled() {
        assert_eq!(fill(Lang::En, Key::AppName, &[("n", "3")]), "Qinglian");
    }
}
