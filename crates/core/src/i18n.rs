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

            /// The key named as in the source (`"SyncFailed"`), for tests
            /// that check how the app's code fills each key's slots.
            pub fn from_name(name: &str) -> Option<Key> {
                match name { $(stringify!($key) => Some(Key::$key),)+ _ => None }
            }
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

/// The text with its slots filled. `{name}` is replaced by the slot's value;
/// `{name|one|other}` chooses a word by the count in the slot, so that counts
/// read naturally ("1 lesson", "3 lessons"; Chinese needs no such forms). A
/// slot the caller does not give stays visible as `{name}` (a test checks
/// every call in the app names exactly the slots of its key).
pub fn fill(lang: Lang, key: Key, slots: &[(&str, &str)]) -> String {
    fill_text(text(lang, key), slots)
}

fn fill_text(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        let mut parts = inner.split('|');
        let name = parts.next().unwrap_or_default();
        let forms: Vec<&str> = parts.collect();
        match slots.iter().find(|(slot, _)| *slot == name) {
            Some((_, value)) => match forms.as_slice() {
                [one, other] => out.push_str(if value.trim() == "1" { one } else { other }),
                _ => out.push_str(value),
            },
            None => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The names of the slots in a text, each once, sorted.
pub fn slot_names(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}'))
        .map(|(inner, _)| inner.split('|').next().unwrap_or_default())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
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
    OpeningPage => "Opening the page…", "正在打开页面……";
    Loading => "Loading the lessons…", "正在加载课程…";
    PackFailed => "The lessons could not be opened. Reload the app once you have a network; what you have studied is safe.", "课程无法打开。请在有网络时重新加载；您的学习记录不受影响。";
    Minutes => "{n} min", "{n} 分钟";
    MoreToDo => "More to do", "更多学习";
    Print => "Print", "打印";
    Cancel => "Cancel", "取消";

    TodayStats => "Your study at a glance", "学习概况";
    TodaySession => "Your ten minutes", "今日十分钟";
    StreakDays => "day streak", "天连续学习";
    MinutesThisWeek => "minutes this week", "本周分钟";
    CreditsThisQuarter => "credits this quarter", "本季度学分";
    NextLesson => "Next lesson", "下一课";
    StartLessonMinutes => "Start ({n} min)", "开始（{n} 分钟）";
    ScenarioOfTheWeek => "A situation to think through", "情境思考";

    LibrarySearch => "Search lessons", "搜索课程";
    LibraryFound => "{n} {n|lesson|lessons} found", "找到 {n} 门课程";
    FilterTier => "Path", "学习路径";
    FilterTopic => "Topic", "主题";
    FilterStatus => "Status", "状态";
    FilterAll => "All", "全部";
    StatusNew => "New", "未学";
    StatusInProgress => "In progress", "学习中";
    StatusDone => "Done", "已完成";
    TrackLeadingCadre => "Leading cadres", "领导干部";
    TrackDepartmentHead => "Department heads", "科室负责人";
    TrackStaff => "Staff", "工作人员";
    TrackEveryone => "For everyone", "全员必学";
    TrackNavigation => "Lessons in this track", "本路径课程";
    TopicCollectiveStudy => "Collective study", "集体学习";
    TopicSystemsNetwork => "Linked systems", "制度联动";
    TopicSpareTime => "Beyond eight hours", "八小时以外";
    TopicGuidingOthers => "Guiding others", "示范引领";
    TopicJobRisk => "Post risk prevention", "岗位风险防控";
    TopicHolisticView => "The whole picture", "大局意识";
    TopicNewSituations => "New situations", "新情况新问题";
    TopicEngagingForms => "Learning together", "形式多样";
    TopicOverallQuality => "Skills and quality", "综合素质";
    TopicSelfDiscipline => "Self-discipline", "廉洁自律";

    ContinueReading => "Continue where you left off", "从上次位置继续";
    MarkDone => "Mark as done", "标记为已学完";
    LessonIsDone => "You have finished this lesson.", "您已学完本课。";
    ReflectionTitle => "Your reflection", "学习心得";
    ReflectionPrompt => "What does this lesson mean for your own work?", "本课对您的工作有什么启发？";
    ReflectionPrivate => "Private: kept with your own progress, never shown to anyone else.", "仅自己可见：随个人学习记录保存，不向他人展示。";
    ReflectionSave => "Save note", "保存心得";
    ReflectionSaved => "Saved.", "已保存。";

    QuizTitle => "Quiz", "测验";
    QuizIntro => "{n} {n|question|questions}. Each answer is explained; what you miss comes back for review.", "共 {n} 题。每个选项都有解析；答错的题会进入复习。";
    QuizStart => "Start the quiz", "开始测验";
    QuizBest => "Your best: {score} of {total}", "最好成绩：{score}/{total}";
    QuizQuestionOf => "Question {n} of {total}", "第 {n} 题，共 {total} 题";
    QuizChooseOne => "Choose one answer.", "请选择一个答案。";
    QuizChooseAll => "Choose every right answer.", "请选择所有正确答案。";
    QuizCheck => "Check", "提交";
    QuizCorrect => "Right.", "回答正确。";
    QuizIncorrect => "Not quite: see why below. This question will come back for review.", "回答有误，请看下方解析。此题将进入复习。";
    QuizRightAnswer => "✓", "✓";
    QuizNotRight => "✗", "✗";
    QuizNext => "Next question", "下一题";
    QuizSeeScore => "See your score", "查看成绩";
    QuizScore => "You scored {score} of {total}.", "得分 {score}/{total}。";
    QuizAllRight => "All right. Well done.", "全部正确，做得好。";
    QuizMissedToReview => "The questions you missed are in your review queue.", "答错的题已加入复习。";
    QuizRetry => "Try again", "再做一次";
    QuizScores => "Quiz scores", "测验成绩";
    QuizNoneYet => "No quiz taken yet.", "尚未参加测验。";
    QuizBestOf => " — best {score}/{total}, {n} {n|attempt|attempts}", " — 最好 {score}/{total}，共 {n} 次";

    ReviewTitle => "Review", "复习";
    ReviewDue => "{n} {n|question|questions} to review", "{n} 道题待复习";
    ReviewStart => "Start review", "开始复习";
    ReviewNothingDue => "Nothing to review right now.", "目前没有需要复习的题。";
    ReviewDone => "Review finished for today.", "今日复习完成。";
    ReviewWaiting => "{n} {n|question|questions} in your review queue.", "复习队列中共 {n} 道题。";
    ReviewQueueSize => "in review", "题待巩固";
    ReviewSummary => "{n} {n|question|questions} in the queue, {due} due now. Missed questions come back after 1, 3, 7, 14 and 30 days until you know them.", "队列中 {n} 题，{due} 题现在到期。答错的题会在 1、3、7、14、30 天后再次出现，直到掌握。";

    ScenariosTitle => "Scenarios", "情境演练";
    ScenariosIntro => "Real situations from the bureau's work: one decision at a time.", "来自局里工作的真实情境：一步一个决定。";
    ScenarioStart => "Start", "开始";
    ScenarioBest => "Best: {sound} of {total} sound choices", "最好：{total} 个决定中 {sound} 个稳妥";
    ScenarioDecision => "Decision {n}", "决定 {n}";
    ScenarioYouChose => "You chose:", "您的选择：";
    VerdictSound => "A sound choice", "稳妥的选择";
    VerdictRisky => "A risky choice", "有风险的选择";
    VerdictWrong => "A wrong choice", "错误的选择";
    ScenarioDebrief => "Debrief", "复盘";
    ScenarioSoundOf => "{sound} of {total} of your choices were sound.", "您的 {total} 个决定中有 {sound} 个稳妥。";
    ScenarioLessons => "Lessons behind this scenario", "相关课程";
    ScenarioAgain => "Play again", "重新演练";
    ScenariosPlayed => "Scenarios played: {n}", "已完成情境：{n}";

    PlanTitle => "Study plan", "学习计划";
    PlanIntro => "Your path's required lessons, plus electives you choose from the menu.", "本路径必学课程，加上从菜单中自选的选学课程。";
    PlanCredits => "Credits, {year} Q{q}", "{year} 年第 {q} 季度学分";
    PlanCreditsLabel => "Credits this quarter", "本季度学分";
    PlanCreditRule => "1 credit per {minutes} active minutes, {mastery} for each quiz mastered (80% or more), at most {cap} a day.", "每有效学习 {minutes} 分钟得 1 学分，每掌握一门测验（80% 以上）得 {mastery} 学分，每天最多 {cap} 学分。";
    PlanRequired => "Required lessons", "必学课程";
    PlanElectives => "Your electives", "选学课程";
    PlanNoElectives => "No electives chosen yet: pick some from the menu below.", "尚未选课，请从下方菜单中选择。";
    PlanMenu => "Menu of electives", "选学菜单";
    PlanMenuHint => "Lessons from the other paths: add what fits your work.", "其他路径的课程：选择适合您工作的内容。";
    PlanAdd => "Add", "加入";
    PlanRemove => "Remove", "移除";
    PlanComplete => "Your plan is done", "学习计划已完成";
    PlanCompleteHint => "Every lesson of your plan is done. Add electives from the menu.", "计划中的课程已全部学完，可从菜单中加选。";

    RiskTitle => "Risk self-check", "岗位风险自查";
    RiskIntro => "Choose your post, rate each risk point and write your own measure. The result stays on your phone.", "选择您的岗位，为每个风险点评级并写下自己的防控措施。结果保存在本机。";
    RiskOpen => "Open the self-check", "打开自查";
    RiskScaleHint => "Rate each point from 1 (very unlikely / minor) to 5 (very likely / severe).", "每个风险点按 1（很少发生/影响小）到 5（很可能/影响严重）评分。";
    RiskTypicalMeasures => "Typical prevention measures", "常见防控措施";
    RiskLikelihood => "Likelihood", "可能性";
    RiskImpact => "Impact", "影响程度";
    RiskOwnMeasure => "My own measure", "我的防控措施";
    RiskSave => "Save the self-check", "保存自查结果";
    RiskSaved => "Saved. Your risk map is below.", "已保存，风险图见下方。";
    RiskRateAll => "Rate the likelihood and impact of every point first.", "请先为每个风险点评定可能性和影响程度。";
    RiskMap => "Risk map", "风险图";
    RiskMapEmpty => "Save the self-check to see your risk map.", "保存自查结果后可查看风险图。";
    RiskPoint => "Risk point", "风险点";
    RiskScore => "Score", "分值";
    RiskForTopRisks => "For your top risks", "针对主要风险的学习";
    RiskCheckedOn => "Checked on {date}", "自查于 {date}";
    RiskRecheckOn => "re-check by {date}", "建议于 {date} 前复查";
    RiskRecheckDue => "A year has passed: time to re-check your risks.", "已满一年，请重新自查岗位风险。";

    PledgeTitle => "Integrity pledge", "廉洁承诺";
    PledgeAsk => "Read and acknowledge the current integrity pledge.", "请阅读并确认当前版本的廉洁承诺。";
    PledgeRead => "Read the pledge", "阅读承诺";
    PledgeVersion => "Version {v}", "第 {v} 版";
    PledgeChanged => "The pledge has changed since you last acknowledged it.", "承诺内容自您上次确认后已更新。";
    PledgeAcknowledge => "I have read it and I commit to it", "我已阅读并承诺遵守";
    PledgeAcknowledged => "You have acknowledged this version.", "您已确认此版本。";

    LessonsDone => "lessons done", "门课已学完";
    ProgressTracks => "Tracks", "学习路径";
    StreakCalendar => "Study days, last five weeks", "近五周学习日";
    StreakRule => "One missed day a week does not break your streak.", "每周缺学一天不会中断连续记录。";
    MinutesPerWeek => "Active minutes per week", "每周有效学习分钟";

    CertificateTitle => "Certificate of completion", "结业证书";
    CertificateOpen => "Certificate", "证书";
    CertificateNoName => "(add your name in Settings)", "（请在设置中填写姓名）";
    CertificateBody => "has completed the track “{track}”: {n} {n|lesson|lessons}, about {minutes} minutes of study.", "已完成“{track}”学习路径：共 {n} 课，约 {minutes} 分钟。";
    CertificateDate => "Completed on {date}", "完成日期：{date}";
    CertificateAddName => "Your name is not set.", "尚未填写姓名。";
    CertificateNotYet => "The track “{track}” is not complete yet: {done} of {total} lessons done.", "“{track}”路径尚未完成：已学 {done}/{total} 课。";

    DataTitle => "Your data", "我的数据";
    DataIntro => "Everything you do is kept on this phone. Export it to keep a copy or move it; importing the same file twice changes nothing.", "学习记录保存在本机。可导出备份或迁移；同一文件重复导入不会重复计入。";
    DataExport => "Export (JSON)", "导出（JSON）";
    DataExported => "Exported {n} {n|event|events}.", "已导出 {n} 条记录。";
    DataImport => "Import a file", "导入文件";
    DataImported => "Imported {n} new {n|event|events} ({total} in the file).", "已导入 {n} 条新记录（文件共 {total} 条）。";
    DataImportRefused => "Nothing was imported: {reason}.", "未导入：{reason}。";
    DataImportUnreadable => "The file could not be read.", "无法读取该文件。";
    DataReset => "Reset all progress…", "清除全部学习记录…";
    DataResetConfirm => "Delete all progress on this phone? This cannot be undone. Export first if you want a copy.", "确定删除本机全部学习记录？此操作无法撤销，如需保留请先导出。";
    DataResetYes => "Yes, delete everything", "确定删除";
    DataResetDone => "All progress on this phone was deleted.", "本机学习记录已全部删除。";
    BureauTitle => "Bureau server", "单位服务器";
    BureauIntro => "Optional: sign in to your bureau's server to keep your progress across phones. Without it, everything stays on this phone.", "可选：登录单位服务器，可在多部手机间同步学习记录。不登录时，记录只保存在本机。";
    BureauSignIn => "Sign in", "登录";
    BureauJoin => "Join with an invite code", "使用邀请码加入";
    BureauInviteCode => "Invite code", "邀请码";
    BureauDisplayName => "Your name", "姓名";
    BureauLogin => "Login name", "登录名";
    BureauPassword => "Password", "密码";
    BureauPasswordShort => "The password needs at least {n} characters.", "密码至少需要 {n} 个字符。";
    BureauNeedsNetwork => "Signing in needs a network. Your study continues offline meanwhile.", "登录需要网络连接。离线期间可继续学习。";
    BureauSignedInAs => "Signed in as {name} ({login}).", "已登录：{name}（{login}）。";
    BureauSignOut => "Sign out", "退出登录";
    BureauSignOutWaiting => "{n} {n|event has|events have} not reached the server yet. Signing out deletes this phone's progress, including them. Export your data first if you want a copy.", "有 {n} 条记录尚未同步到服务器。退出登录会删除本机的学习记录（包括这些记录）。如需保留，请先导出数据。";
    BureauSignOutAnyway => "Sign out and delete them", "退出并删除";
    BureauStaySignedIn => "Stay signed in", "保持登录";
    RoleLearner => "Learner", "学员";
    RoleLeader => "Leader", "负责人";
    RoleAdmin => "Administrator", "管理员";
    SyncNow => "Sync now", "立即同步";
    SyncOffline => "Offline · {n} waiting", "离线 · {n} 条待同步";
    SyncSyncing => "Syncing…", "正在同步…";
    SyncFailed => "Sync failed: {reason}", "同步失败：{reason}";
    SyncWaiting => "{n} waiting to sync", "{n} 条待同步";
    SyncedAt => "Synced at {time}", "已于 {time} 同步";
    SyncConflicts => "{n} {n|event was|events were} refused by the server as conflicts; they stay on this phone.", "有 {n} 条记录因冲突被服务器拒收，已保留在本机。";
    UnitReportTitle => "Unit report", "单位学习报告";
    UnitOffline => "The unit report comes from the server: connect to a network to see it.", "单位报告来自服务器，请连接网络后查看。";
    UnitNoUnit => "Your account belongs to no unit.", "您的账号不属于任何单位。";
    UnitMembers => "{n} {n|member|members}", "{n} 名成员";
    UnitName => "Name", "姓名";
    UnitLastSync => "Last sync", "最近同步";
    UnitQuizAverage => "Quiz average", "测验平均分";
    UnitMinutesMonth => "Minutes this month", "本月分钟";
    UnitTotals => "Unit totals", "单位合计";
    UnitCsv => "Download CSV", "下载 CSV";
    UnitOpen => "Open report", "查看报告";
    UnitChoose => "Choose a unit above to see its report.", "请在上方选择单位以查看报告。";

    ErrOfflineWaiting => "offline: waiting for a network", "离线，等待网络连接";
    ErrNoConnection => "no connection to the server", "无法连接服务器";
    ErrConnectionBroke => "the connection broke while the answer was read", "读取服务器应答时连接中断";
    ErrUnreadableAnswer => "the server's answer could not be read", "无法读取服务器的应答";
    ErrSessionEnded => "your session on the server has ended: sign in again in Settings (nothing on this phone is lost)", "您在服务器上的登录已失效，请在设置中重新登录（本机数据不会丢失）";
    ErrWrongLogin => "wrong login name or password", "登录名或密码错误";
    ErrTooManyAttempts => "too many attempts: try again in {s} s", "尝试次数过多，请 {s} 秒后再试";
    ErrServerBusy => "the server is busy: try again in {s} s", "服务器繁忙，请 {s} 秒后再试";
    ErrJoinRefused => "the invite code is unknown, expired or used up, or the login name is not accepted (3–64 letters, digits, . _ - @)", "邀请码无效、已过期或已用完，或登录名不符合要求（3–64 位字母、数字或 . _ - @）";
    ErrLoginTaken => "this login name is taken: choose another", "该登录名已被使用，请另选一个";
    ErrPasswordRefused => "the server did not accept this password: choose a longer, less common one", "服务器不接受该密码，请设置更长、不易猜到的密码";
    ErrForbidden => "your account may not do this", "您的账号没有此项权限";
    ErrNotOffered => "the server does not offer this (it may run an older version)", "服务器不支持此功能（可能版本较旧）";
    ErrTooLarge => "the request was too large for the server", "请求内容超出服务器限制";
    ErrRefused => "the server refused the request ({status})", "服务器拒绝了请求（{status}）";
    ErrServerTrouble => "the server has a problem ({status}): try again later; nothing on this phone is lost", "服务器出现问题（{status}），请稍后再试；本机数据不会丢失";
    ErrNewLessonsUnreadable => "the new lessons from the server could not be read; the current ones stay", "无法读取服务器发布的新课程，继续使用现有课程";
    ErrNewLessonsInvalid => "the server's new lessons failed their checks; the current ones stay", "服务器发布的新课程未通过校验，继续使用现有课程";
    ErrReportUnreadable => "the report could not be read", "无法读取报告";
    ErrLessonsNotLoaded => "the lessons could not be loaded ({status})", "课程未能加载（{status}）";
    ErrLessonsUnreadable => "the lessons could not be read", "课程文件无法读取";
    ErrStorageUnavailable => "this browser does not let Qinglian save data (private browsing blocks it): progress cannot be kept", "此浏览器不允许清廉保存数据（隐私浏览模式会阻止保存），学习记录无法保留";
    ErrFileNotMade => "the file could not be made", "无法生成文件";
    ImportNotJson => "the file is not valid JSON", "文件不是有效的 JSON 格式";
    ImportNotExport => "the file is not a Qinglian export", "该文件不是清廉导出的数据文件";
    ImportOtherVersion => "the file comes from another version of the app ({version}); this app reads version {supported}", "该文件来自其他版本的应用（第 {version} 版），本应用只能读取第 {supported} 版";
    ImportDamaged => "the export is damaged", "导出文件已损坏";
    ErrWrongCurrentPassword => "the current password is not right", "当前密码不正确";
    ErrAdminRefused => "the server did not accept this", "服务器未接受此操作";

    AdminTitle => "Administration", "系统管理";
    AdminOpen => "Open the administration", "进入系统管理";
    AdminOnly => "Only administrators of the bureau server can use this page.", "仅单位服务器的管理员可以使用此页面。";
    AdminOffline => "The administration works on the bureau server: connect to a network to use it.", "系统管理在单位服务器上进行，请连接网络后使用。";
    AdminSections => "Administration sections", "管理栏目";
    AdminUnits => "Units", "单位";
    AdminInvites => "Invites", "邀请";
    AdminPeople => "People", "人员";
    AdminRoster => "Roster import", "名册导入";
    AdminContent => "Content", "课程内容";
    AdminAudit => "Audit log", "操作日志";
    AdminDone => "Done.", "操作成功。";
    AdminRefresh => "Refresh", "刷新";

    UnitsIntro => "The bureau as a tree: departments, judicial offices and centres under the bureau. A unit with no members and no units under it can be archived.", "以树形结构管理本局各单位：局机关各科室、司法所及各中心。没有人员、也没有下级单位的单位可以归档。";
    UnitAddTitle => "Add a unit", "新增单位";
    UnitNameLabel => "Name", "名称";
    UnitParentLabel => "Part of", "上级单位";
    UnitTop => "(top level)", "（顶级）";
    UnitAdd => "Add", "新增";
    UnitRename => "Rename", "重命名";
    UnitMove => "Move under", "移至";
    UnitArchive => "Archive", "归档";
    UnitArchived => "archived", "已归档";
    UnitSave => "Save", "保存";

    InviteCreateTitle => "New invite", "生成邀请";
    InviteUnit => "Unit", "单位";
    InviteRole => "Role", "角色";
    InviteUses => "How many people may join with it", "可加入人数";
    InviteDays => "Valid for (days)", "有效期（天）";
    InviteCreate => "Create the invite", "生成邀请码";
    InviteCode => "Invite code", "邀请码";
    InviteLink => "Link", "链接";
    InviteScan => "Scan with the phone camera to join", "用手机相机扫码加入";
    InviteQrLabel => "QR code of the invite link", "邀请链接二维码";
    InvitePrint => "Print the invite sheet", "打印邀请单";
    InviteSheet => "Join {unit} in Qinglian: scan the code with the phone camera, or open the link and enter the invite code. Valid until {date}, for {n} {n|person|people}.", "加入“{unit}”清廉学习：用手机相机扫描二维码，或打开链接并输入邀请码。有效期至 {date}，可供 {n} 人使用。";
    InviteList => "Invites", "邀请列表";
    InviteUsesLeft => "{n} of {max} left", "剩余 {n}/{max} 次";
    InviteUntil => "until {date}", "有效期至 {date}";
    InviteStatusActive => "active", "有效";
    InviteStatusUsedUp => "used up", "已用完";
    InviteStatusExpired => "expired", "已过期";
    InviteStatusRevoked => "revoked", "已撤销";
    InviteRevoke => "Revoke", "撤销";
    InviteShow => "Show", "查看";
    InviteNone => "No invites yet.", "暂无邀请。";

    PeopleSearch => "Search by name or login", "按姓名或登录名搜索";
    PeopleAllUnits => "All units", "全部单位";
    PeopleAllRoles => "All roles", "全部角色";
    PeopleStatus => "Status", "状态";
    PeopleActive => "Active", "正常";
    PeopleFound => "{n} {n|person|people}", "共 {n} 人";
    PeopleLastSync => "last sync {time}", "最近同步 {time}";
    PeopleNeverSynced => "never synced", "从未同步";
    PeopleDisabled => "Disabled", "已停用";
    PeopleDisable => "Disable", "停用";
    PeopleEnable => "Enable again", "重新启用";
    PeopleResetPassword => "Reset password", "重置密码";
    PeopleOneTime => "One-time password for {login}: {password} — shown only now. It works until {date}; a new password must be set at sign-in.", "{login} 的一次性密码：{password}（仅显示这一次）。有效期至 {date}，登录后须设置新密码。";
    PeopleChange => "Change role or unit", "调整角色或单位";

    RosterIntro => "A CSV file with one person a row: name, login, unit path (for example Bureau/Legal Aid Centre), role (learner or leader). A header row is optional.", "CSV 文件，每行一人：姓名、登录名、单位路径（例如“某某市司法局/法律援助中心”）、角色（learner 学员或 leader 负责人）。首行可以是表头。";
    RosterFile => "Roster file (CSV)", "名册文件（CSV）";
    RosterChecked => "{ok} {ok|row is|rows are} ready, {errors} {errors|row has|rows have} an error.", "{ok} 行可以导入，{errors} 行有错误。";
    RosterImport => "Create the accounts", "创建账号";
    RosterCreated => "{n} {n|account|accounts} created. Print the sheet now: the one-time passwords are not shown again.", "已创建 {n} 个账号。请立即打印：一次性密码不会再次显示。";
    RosterLine => "Line", "行";
    RosterResult => "Result", "结果";
    RosterOk => "ready", "可导入";
    RosterOneTime => "One-time password", "一次性密码";
    RosterSheetTitle => "Qinglian accounts: one-time passwords", "清廉学习账号及一次性密码";

    ContentCurrent => "Published now: version {version}", "当前发布版本：{version}";
    ContentUploadIntro => "Publish a new version of the lessons: upload both editions, the files pack.zh-Hans.json and pack.en.json that `cargo xtask content --export` writes. They are checked exactly as the build checks them.", "发布新版课程：上传两个语言版本，即 `cargo xtask content --export` 生成的 pack.zh-Hans.json 和 pack.en.json。服务器按构建时的同样规则进行校验。";
    ContentFiles => "Pack files (both editions)", "课程包文件（两个语言版本）";
    ContentUpload => "Check and publish", "校验并发布";
    ContentPublished => "Published version {version}: {summary}", "已发布版本 {version}：{summary}";
    ContentRefused => "Not published: {n} {n|problem|problems} found.", "未发布：发现 {n} 个问题。";
    ContentNeedsBoth => "Choose both files, pack.zh-Hans.json and pack.en.json.", "请同时选择 pack.zh-Hans.json 和 pack.en.json 两个文件。";
    ContentHistory => "Published versions", "发布记录";
    ContentRollBack => "Publish this version again", "回退到此版本";
    ContentIsCurrent => "published now", "当前版本";

    AuditActor => "Who", "操作人";
    AuditAction => "Action", "操作";
    AuditFilter => "Filter", "筛选";
    AuditMore => "Older entries", "更早的记录";
    AuditEmpty => "No entries.", "没有记录。";
    AuditWhen => "When", "时间";
    AuditWhere => "From", "来源";
    AuditWhat => "Details", "详情";

    PasswordTitle => "Change password", "修改密码";
    PasswordCurrent => "Current password (or the one-time password)", "当前密码（或一次性密码）";
    PasswordNew => "New password", "新密码";
    PasswordSave => "Change password", "修改密码";
    PasswordChanged => "Password changed.", "密码已修改。";
    PasswordMustChange => "You signed in with a one-time password: set your own password to continue.", "您使用一次性密码登录，请先设置自己的密码。";
    DevicesTitle => "Signed-in devices", "已登录设备";
    DeviceThis => "this phone", "本机";
    DeviceSignOut => "Sign out", "退出";
    DeviceSince => "signed in {date}, last used {time}", "登录于 {date}，最近使用 {time}";
    DeviceUnknown => "Unknown browser", "未知浏览器";
    JoinFromLink => "You opened an invite link: enter your name, a login name and a password to join.", "您打开了邀请链接，请填写姓名、登录名和密码加入。";

    AsideSettings => "Your settings (the defaults are used meanwhile):", "您的设置（暂时使用默认设置）：";
    AsideSync => "The bureau server record (sign in again if needed):", "单位服务器登录记录（如需要请重新登录）：";
    AsideEvents => "Part of your study record:", "部分学习记录：";
    BureauSessionEnded => "Signed out by the bureau server (the account may have been disabled, or signed out on another device). Everything stays on this phone; {n} {n|event waits|events wait} to be sent after you sign in again.", "已被单位服务器退出登录（账号可能已停用，或已在其他设备上退出）。所有记录仍保存在本机，其中 {n} 条将在重新登录后发送。";

    NavTogether => "Together", "集体学习";
    TogetherNav => "Studying together", "集体学习栏目";
    TabSessions => "Sessions", "学习活动";
    TabAsk => "Ask a leader", "领导答疑";
    TabFeedback => "Feedback", "民主测评";
    TabAssignments => "Assignments", "学习任务";
    TogetherSignedOut => "This part works with your bureau's server. Sign in under Settings → Bureau server to see your unit's study sessions, ask your leaders, give anonymous feedback and see your assignments. Your own study works without it.", "本栏目需连接单位服务器使用。请在“设置 → 单位服务器”中登录，即可查看本单位学习活动、向领导提问、参加民主测评、查看学习任务。个人学习不受影响。";
    TogetherOpenSettings => "Open Settings", "前往设置";
    TogetherAsOf => "As of the last sync, {time}.", "以上为 {time} 同步的内容。";
    TogetherNotYet => "Not synced yet: this appears after the first sync with the server.", "尚未同步：与服务器首次同步后显示。";
    TogetherLeadersOnly => "For leaders", "领导操作";

    OutboxWaiting => "Waiting to be sent", "待发送";
    OutboxRefused => "Not accepted by the server: {reason}", "服务器未接受：{reason}";
    OutboxRetry => "Send again", "重新发送";
    OutboxDiscard => "Discard", "放弃";
    OutboxDiscardConfirm => "Discard this? It has not reached the server.", "确定放弃？该内容尚未送达服务器。";
    RequestSession => "Session “{topic}”", "学习活动“{topic}”";
    RequestCancelSession => "Cancelling a session", "取消学习活动";
    RequestMinutes => "Minutes of a session", "学习活动记录";
    RequestQuestion => "Question: {text}", "提问：{text}";
    RequestAnswer => "Answer to a question", "答复";
    RequestPublish => "Publishing a question and answer", "公开问答";
    RequestRound => "Feedback round for {unit}", "{unit}民主测评";
    RequestRating => "Your feedback", "您的测评";
    RequestAssign => "Assignment due {date}", "学习任务（{date}截止）";
    RequestCancelAssignment => "Cancelling an assignment", "撤销学习任务";
    FormMissing => "Fill in: {field}.", "请填写：{field}。";
    FormTooLong => "{field} is too long: at most {n} characters.", "{field}过长，最多 {n} 字。";
    FormEndBeforeStart => "The end must be after the start.", "结束时间须晚于开始时间。";
    FormInPast => "The date has passed.", "该日期已过。";
    FormNotSaved => "Not saved on this phone (storage full or blocked): nothing was sent. Free some space and try again.", "未能保存在本机（存储已满或被禁用），内容未发送。请释放空间后重试。";
    FormInvisible => "{field} contains invisible or control characters.", "{field}含有不可见字符或控制字符。";

    SessionsTitle => "Study sessions", "学习活动";
    SessionsIntro => "Your unit's collective study, theory study group meetings and integrity classes: what to prepare, and checking in.", "本单位集体学习、中心组学习和廉政党课：会前准备与签到。";
    SessionsUpcoming => "Coming up", "近期安排";
    SessionsHeld => "Held", "已开展";
    SessionsNone => "No sessions scheduled for your unit.", "本单位暂无学习活动安排。";
    SessionKindGroupStudy => "Collective study", "集体学习";
    SessionKindCentreGroup => "Theory study group", "中心组学习";
    SessionKindIntegrityLecture => "Integrity class", "廉政党课";
    SessionWhen => "{date}, {start}–{end}", "{date} {start}—{end}";
    SessionPlace => "Place: {place}", "地点：{place}";
    SessionConvener => "Convener: {name}", "召集人：{name}";
    SessionUnit => "Unit: {unit}", "单位：{unit}";
    SessionPrepare => "To prepare", "会前准备";
    SessionAllPrepared => "You have prepared everything.", "会前学习已全部完成。";
    SessionCancelled => "Cancelled", "已取消";
    SessionOpen => "Details and check-in", "详情与签到";
    SessionNotFound => "This session is not in what your server last sent. Sync, or go back to the list.", "上次同步的内容中没有该活动。请同步后再试，或返回列表。";
    SessionBack => "All sessions", "全部学习活动";
    CheckInTitle => "Check in", "签到";
    CheckInCodeLabel => "The code on the convener's phone (6 digits)", "召集人手机上显示的签到码（6位数字）";
    CheckInButton => "Check in", "签到";
    CheckInBadCode => "Enter the 6 digits shown on the convener's phone.", "请输入召集人手机上显示的6位数字。";
    CheckInOffline => "Works without a network: the check-in is saved on this phone and confirmed by the server after the next sync.", "无网络也可签到：签到记录先保存在本机，同步后由服务器确认。";
    CheckInWaiting => "Checked in, to be confirmed", "已签到，待确认";
    CheckInConfirmed => "Attendance confirmed", "签到已确认";
    CheckInRefused => "Check-in not accepted: {reason}", "签到未通过：{reason}";
    CheckInAgain => "Check in again with the code shown now.", "请用当前显示的签到码重新签到。";
    CheckInUnknownSession => "this session is not one of your unit's", "该活动不属于您所在单位";
    CheckInCancelled => "the session was cancelled", "该活动已取消";
    CheckInWrongCode => "the code does not belong to this session (typed wrong, or another session's code)", "签到码与本次活动不符（输入有误或为其他活动的签到码）";
    CheckInTooEarly => "the code was shown long before the session", "签到码显示时间远早于活动时间";
    CheckInTooLate => "the code was shown long after the session", "签到码显示时间远晚于活动时间";
    CheckInNotWhenShown => "it was recorded long after the code was shown, or this phone's clock is wrong", "签到时间与签到码显示时间相差过大，或本机时间不准";
    CheckInFromLink => "Checking in to “{topic}” with the code {code}.", "正在以签到码 {code} 签到“{topic}”。";
    CheckInUnknownLink => "This check-in link names a session your phone does not know yet. It is saved and confirmed after the next sync.", "该签到链接对应的活动尚未同步到本机。签到已保存，同步后确认。";
    CheckInDone => "Checked in. It is confirmed after the next sync.", "签到成功，同步后确认。";
    CheckInBadLink => "This check-in link is incomplete. Type the code shown on the convener's phone instead.", "签到链接不完整，请直接输入召集人手机上显示的签到码。";
    ShowCheckInCode => "Show the check-in code", "显示签到码";
    HideCheckInCode => "Hide the code", "隐藏签到码";
    CheckInCodeHelp => "Members scan the QR code or type the digits. It changes every minute and needs no network on either phone.", "参会人员扫描二维码或输入数字签到。签到码每分钟更新，双方手机均无需联网。";
    CheckInCodeQr => "Check-in QR code", "签到二维码";
    CheckInCodeChanges => "Changes in {s} s", "{s} 秒后更新";
    AttendanceTitle => "Attendance", "出席情况";
    AttendanceCount => "{n} of {total} checked in, {prepared} prepared", "应到 {total} 人，已签到 {n} 人，会前已学习 {prepared} 人";
    AttendeeConfirmed => "confirmed", "已确认";
    AttendeeRefused => "not accepted", "未通过";
    AttendeeAbsent => "not checked in", "未签到";
    AttendeePrepared => "prepared", "已准备";
    MinutesTitle => "Minutes", "活动记录";
    MinutesPoints => "Points discussed", "学习研讨要点";
    MinutesDecisions => "Decisions", "议定事项";
    MinutesSpeakers => "Who spoke (one name a line)", "发言人（每行一人）";
    MinutesSummary => "Summary for the unit", "向本单位通报的学习情况";
    MinutesSave => "Save the minutes", "保存记录";
    MinutesPublish => "Save and publish the summary to the unit", "保存并向本单位通报";
    MinutesSaved => "Saved: sent with the next sync.", "已保存，将在下次同步时发送。";
    MinutesPublishedOn => "Summary published {date}", "已于 {date} 通报";
    SessionSummary => "Summary", "学习情况通报";
    SessionReflectionTitle => "Your reflection on this session", "个人学习体会";
    SessionReflectionPrompt => "What will you do differently in your own work?", "结合本职工作，您有哪些体会和打算？";
    ScheduleTitle => "Schedule a session", "安排学习活动";
    ScheduleUnit => "Unit", "单位";
    ScheduleKind => "Form", "形式";
    ScheduleTopic => "Topic", "学习主题";
    ScheduleDate => "Date", "日期";
    ScheduleStart => "Starts", "开始时间";
    ScheduleEnd => "Ends", "结束时间";
    SchedulePlace => "Place", "地点";
    ScheduleConvener => "Convener (shows the check-in code)", "召集人（负责出示签到码）";
    ScheduleConvenerMe => "Me", "本人";
    ScheduleLessons => "Lessons to read before", "会前学习课程";
    ScheduleScenario => "Scenario to play before (optional)", "会前情境演练（可选）";
    ScheduleNone => "None", "无";
    ScheduleSubmit => "Schedule", "发布安排";
    ScheduleQueued => "Scheduled: it reaches the unit with the next sync.", "已安排，将在下次同步时发送至本单位。";
    SessionCancel => "Cancel the session", "取消本次活动";
    SessionCancelConfirm => "Cancel this session? Members see it as cancelled.", "确定取消本次活动？参会人员将看到活动已取消。";
    NoLedUnits => "The server lists no units you lead. Sync, or ask the administrator to set your unit.", "服务器中没有您负责的单位。请同步，或请管理员设置您的所属单位。";

    AskTitle => "Ask a leader", "领导答疑";
    AskIntro => "Ask your unit's leaders about the integrity rules or a situation at work. They answer here, and may publish the question and answer for the whole unit, never with your name.", "就廉政规定或工作中遇到的情况向本单位领导提问。领导在此答复，并可将问答在本单位公开，公开时一律不显示提问人。";
    AskText => "Your question", "您的问题";
    AskShowName => "Let the leaders see my name", "允许领导看到我的姓名";
    AskShowNameHint => "Otherwise they see only that someone in your unit asked.", "不勾选时，领导只能看到本单位有人提问。";
    AskSend => "Send the question", "提交问题";
    AskQueued => "Saved: it is sent with the next sync.", "已保存，将在下次同步时发送。";
    AskMine => "Your questions", "我的提问";
    AskNoQuestions => "You have not asked anything yet.", "您还没有提过问题。";
    AskWaitingAnswer => "Waiting for an answer", "等待答复";
    AskAnswered => "Answer from {name}, {date}", "{name} 于 {date} 答复";
    AskNewAnswer => "New answer", "新答复";
    AskPublishedBadge => "Published for the unit", "已在本单位公开";
    AskFaq => "The unit's questions and answers", "本单位公开问答";
    AskFaqNone => "Nothing published yet.", "暂无公开问答。";
    AskInbox => "Questions to answer", "待答复问题";
    AskInboxNone => "No questions from your units.", "所辖单位暂无提问。";
    AskFrom => "{name}, {unit}, {date}", "{unit} {name}，{date}";
    AskFromAnonymous => "Someone in {unit}, {date}", "{unit}干部职工，{date}";
    AskAnswerLabel => "Your answer", "答复内容";
    AskAnswerPublish => "Also publish it for the unit (without the asker's name)", "同时在本单位公开（不显示提问人）";
    AskAnswerSend => "Send the answer", "发送答复";
    AskPublish => "Publish for the unit", "在本单位公开";
    AskWithdraw => "Withdraw from the unit's list", "取消公开";
    AskOpenDays => "open for {n} {n|day|days}", "已 {n} 天未答复";
    AskNeedsUnit => "Your account belongs to no unit, so there are no leaders to ask. The administrator can set your unit.", "您的账号未设置所属单位，暂无可提问的领导。请联系管理员设置。";

    FeedbackTitle => "Feedback on the leadership", "民主测评";
    FeedbackIntro => "Rate how your unit's leaders lead by example. Anonymous by construction: the server keeps who answered apart from the answers, and the answers carry no name, device or time. Results are shown only after the round closes, and only if at least 5 people answered.", "对本单位领导班子示范带头情况进行评价。测评按设计匿名：服务器将“谁已参评”与“评价内容”分开保存，评价内容不含姓名、设备和时间。测评结束后、且参评人数不少于5人时才显示结果。";
    FeedbackNone => "No feedback rounds for you.", "暂无测评。";
    FeedbackCloses => "Open until {date}", "截止 {date}";
    FeedbackClosed => "Closed {date}", "已于 {date} 结束";
    FeedbackRate => "Rate each statement from 1 (not at all) to 5 (fully).", "请对每项表述评分：1 分为完全不符合，5 分为完全符合。";
    FeedbackRating => "{n} of 5", "{n} 分";
    FeedbackComment => "Comment (optional, anonymous)", "意见建议（选填，匿名）";
    FeedbackSend => "Send my answer", "提交测评";
    FeedbackNeedsAll => "Rate every statement.", "请对每一项评分。";
    FeedbackAnswered => "You have answered. Thank you.", "您已参加本次测评，谢谢。";
    FeedbackQueued => "Your answer waits to be sent. The server records only that you answered, never which answer is yours.", "您的测评待发送。服务器只记录您已参评，不记录哪份评价属于您。";
    FeedbackRatedLeader => "You lead this unit: you see the results after the close, like everyone.", "您是被测评单位的领导，测评结束后方可查看结果。";
    FeedbackTooFew => "Fewer than 5 people answered: to keep the answers anonymous, nothing is shown.", "参评人数不足 5 人，为保护匿名，不显示任何结果。";
    FeedbackAnswers => "{n} {n|answer|answers}", "共 {n} 人参评";
    FeedbackMean => "average {mean}", "平均 {mean} 分";
    FeedbackDistribution => "Ratings 1 to 5: {counts}", "1—5 分人数：{counts}";
    FeedbackComments => "Comments, in random order", "意见建议（随机排序）";
    FeedbackResultsLater => "The results appear here after the close, with the next sync.", "测评结束后，同步即可在此查看结果。";
    FeedbackOpenTitle => "Open a feedback round", "发起民主测评";
    FeedbackOpenUnit => "Unit whose leaders are rated", "被测评单位";
    FeedbackStatements => "Statements", "测评项目";
    FeedbackStatementZh => "Chinese", "中文";
    FeedbackStatementEn => "English", "英文";
    FeedbackAddStatement => "Add a statement", "增加测评项目";
    FeedbackRemoveStatement => "Remove", "删除";
    FeedbackClosesOn => "Closes at the end of", "截止日期";
    FeedbackOpenSubmit => "Open the round", "发起测评";
    FeedbackOpened => "Opened: members see it after the next sync.", "已发起，同步后本单位人员即可参加。";
    FeedbackNoUnitsBelow => "You can open a round only for the units below your own.", "只能对下级单位发起测评。";

    AssignmentsTitle => "Assignments", "学习任务";
    AssignmentsIntro => "What your unit's leaders asked you to study, by a date. It counts as done when your own record shows it; there is nothing to tick.", "单位领导布置的限期学习任务。完成情况根据您本人的学习记录自动认定，无需另行确认。";
    AssignmentsNone => "No assignments.", "暂无学习任务。";
    AssignmentDue => "Due {date}", "{date} 截止";
    AssignmentDueToday => "Due today", "今日截止";
    AssignmentDueIn => "Due in {n} {n|day|days}", "{n} 天后截止";
    AssignmentOverdue => "Overdue", "已逾期";
    AssignmentDone => "Done", "已完成";
    AssignmentBy => "From {name}", "布置人：{name}";
    AssignmentRisk => "Risk self-check: {post}", "风险自查：{post}";
    AssignmentUnknownItem => "{id} (not in this phone's lessons yet: sync)", "{id}（本机课程中尚无，请同步）";
    AssignmentMembers => "{done} of {members} done", "{members} 人中已完成 {done} 人";
    AssignmentCancelled => "Cancelled", "已撤销";
    AssignTitle => "Assign study", "布置学习任务";
    AssignLessons => "Lessons", "课程";
    AssignScenarios => "Scenarios", "情境演练";
    AssignRiskChecks => "Risk self-checks", "风险自查";
    AssignPledge => "The integrity pledge (current version)", "廉政承诺（当前版本）";
    AssignDueOn => "Due at the end of", "截止日期";
    AssignNote => "Note (optional)", "说明（选填）";
    AssignSubmit => "Assign", "布置";
    AssignNeedsItem => "Choose at least one item.", "请至少选择一项内容。";
    AssignQueued => "Assigned: members see it after the next sync.", "已布置，同步后本单位人员即可看到。";
    AssignmentCancel => "Cancel the assignment", "撤销任务";

    TodayAssignments => "Assigned to you", "学习任务";
    TodayNextSession => "Next study session", "近期学习活动";
    TodayNewAnswer => "Your question has a new answer", "您的问题有了新答复";
    TodayReadAnswer => "Read it", "查看答复";
    TodayOpenRound => "Feedback on the leadership is open until {date}", "民主测评进行中，{date} 截止";
    TodayGiveFeedback => "Give feedback", "参加测评";
    ReportMissedMost => "Questions the unit misses most", "本单位错误率最高的题目";
    ReportMissedNone => "Not enough answers yet (a question counts from 3 answers).", "答题数据不足（每题满 3 人次作答后统计）。";
    ReportErrorRate => "{rate}% wrong of {n} {n|answer|answers}", "{n} 人次作答，错误率 {rate}%";
    ReportSessions => "Study sessions (last 90 days)", "学习活动（近 90 天）";
    ReportSessionsNone => "No sessions in the last 90 days.", "近 90 天无学习活动。";
    ReportAttendance => "{attended} of {expected} attended, {prepared} prepared", "应到 {expected} 人，实到 {attended} 人，会前学习 {prepared} 人";
    ReportAssignments => "Assignments", "学习任务";
    ReportAssignmentsNone => "No assignments.", "暂无学习任务。";
    ReportAssignmentLine => "Due {date}: {done} of {members} done, {overdue} overdue", "{date} 截止：{members} 人中已完成 {done} 人，逾期 {overdue} 人";
    ReportOpenQuestions => "Questions unanswered for more than 7 days", "超过 7 天未答复的问题";
    ReportOpenNone => "None: every question was answered within 7 days.", "无：所有问题均在 7 天内答复。";
    ReportDaysOpen => "{unit}, asked {date}, open {n} {n|day|days}", "{unit}，{date} 提问，已 {n} 天未答复";
    ReportMembers => "Members", "人员学习情况";
    UnitSessionsAttended => "Sessions", "参加学习活动";
    UnitAssignmentsOpen => "Assignments open (overdue)", "未完成任务（逾期）";
}

/// A message for the learner, kept as a key and its slot values so that it
/// shows in whatever language is current when it is read (a sync error shown
/// in the status line follows a change of language at once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub key: Key,
    pub slots: Vec<(&'static str, String)>,
}

impl Message {
    /// `key` with its slots (names as in the key's text).
    pub fn of(key: Key, slots: Vec<(&'static str, String)>) -> Message {
        Message { key, slots }
    }

    /// A message without slots.
    pub fn key(key: Key) -> Message {
        Message::of(key, Vec::new())
    }

    /// The message in `lang`.
    pub fn show(&self, lang: Lang) -> String {
        let slots: Vec<(&str, &str)> = self.slots.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(lang, self.key, &slots)
    }
}

impl From<Key> for Message {
    fn from(key: Key) -> Message {
        Message::key(key)
    }
}

/// What the app was doing when the server answered with an error: the same
/// status means different things at sign-in and at sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerCall {
    SignIn,
    Join,
    Sync,
    Content,
    Report,
    /// The admin console: the server's own `error` text is shown too, as
    /// it names the field or row to fix.
    Admin,
    /// Changing one's password, listing or signing out one's devices.
    Account,
}

/// The learner's words for a server's error answer. The server's own error
/// text is English and meant for administrators and logs; the app says what
/// the status means for what the learner was doing.
pub fn server_error(call: ServerCall, status: u16, retry_after: Option<u64>) -> Message {
    let seconds = || ("s", retry_after.unwrap_or(60).to_string());
    match (call, status) {
        (ServerCall::SignIn, 401) => Message::key(Key::ErrWrongLogin),
        (_, 401) => Message::key(Key::ErrSessionEnded),
        (ServerCall::Join, 409) => Message::key(Key::ErrLoginTaken),
        (ServerCall::Join, 422) => Message::key(Key::ErrJoinRefused),
        (ServerCall::Account, 422) => Message::key(Key::ErrPasswordRefused),
        (ServerCall::Account, 403) => Message::key(Key::ErrWrongCurrentPassword),
        (ServerCall::Admin, 400 | 409 | 422) => Message::key(Key::ErrAdminRefused),
        (_, 429) => Message::of(Key::ErrTooManyAttempts, vec![seconds()]),
        (_, 503) if retry_after.is_some() => Message::of(Key::ErrServerBusy, vec![seconds()]),
        (_, 403) => Message::key(Key::ErrForbidden),
        (_, 404) | (_, 405) => Message::key(Key::ErrNotOffered),
        (_, 413) => Message::key(Key::ErrTooLarge),
        (_, 500..=599) => Message::of(Key::ErrServerTrouble, vec![("status", status.to_string())]),
        _ => Message::of(Key::ErrRefused, vec![("status", status.to_string())]),
    }
}

/// The learner's words for why an export file was not imported, from the
/// reason `events::Export::parse` gives.
pub fn import_refusal(reason: &str) -> Message {
    if reason.contains("not valid JSON") {
        Message::key(Key::ImportNotJson)
    } else if reason.contains("not a Qinglian export") {
        Message::key(Key::ImportNotExport)
    } else if let Some(rest) = reason.strip_prefix("the export has version ") {
        let version: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Message::of(
            Key::ImportOtherVersion,
            vec![
                ("version", version),
                ("supported", crate::events::EXPORT_VERSION.to_string()),
            ],
        )
    } else {
        Message::key(Key::ImportDamaged)
    }
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
            .filter(|&&key| text(Lang::En, key).chars().any(char::is_alphabetic))
            .collect();
        assert!(same.is_empty(), "untranslated keys: {same:?}");
    }

    #[test]
    fn slots_are_filled() {
        assert_eq!(fill(Lang::En, Key::AppName, &[("n", "3")]), "Qinglian");
        assert_eq!(
            fill_text("{a} and {b}", &[("b", "2"), ("a", "1")]),
            "1 and 2"
        );
        assert_eq!(fill_text("{missing} stays", &[]), "{missing} stays");
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(
            fill(Lang::En, Key::LibraryFound, &[("n", "1")]),
            "1 lesson found"
        );
        assert_eq!(
            fill(Lang::En, Key::LibraryFound, &[("n", "3")]),
            "3 lessons found"
        );
        assert_eq!(
            fill(Lang::En, Key::LibraryFound, &[("n", "0")]),
            "0 lessons found"
        );
        assert_eq!(
            fill(Lang::ZhHans, Key::LibraryFound, &[("n", "3")]),
            "找到 3 门课程"
        );
        assert_eq!(
            fill(Lang::En, Key::ReviewDue, &[("n", "1")]),
            "1 question to review"
        );
    }

    #[test]
    fn server_errors_are_told_by_what_the_learner_did() {
        assert_eq!(
            server_error(ServerCall::SignIn, 401, None).key,
            Key::ErrWrongLogin
        );
        assert_eq!(
            server_error(ServerCall::Sync, 401, None).key,
            Key::ErrSessionEnded
        );
        assert_eq!(
            server_error(ServerCall::Join, 409, None).key,
            Key::ErrLoginTaken
        );
        assert_eq!(
            server_error(ServerCall::SignIn, 429, Some(42)).show(Lang::ZhHans),
            "尝试次数过多，请 42 秒后再试"
        );
        assert_eq!(
            server_error(ServerCall::Sync, 502, None).show(Lang::En),
            "the server has a problem (502): try again later; nothing on this phone is lost"
        );
        assert_eq!(
            server_error(ServerCall::Report, 403, None).key,
            Key::ErrForbidden
        );
    }

    #[test]
    fn every_import_refusal_is_translated() {
        use crate::events::Export;
        let cases = [
            ("{oops", Key::ImportNotJson),
            (r#"{"format":"other"}"#, Key::ImportNotExport),
            (
                r#"{"format":"qinglian-export","version":9}"#,
                Key::ImportOtherVersion,
            ),
            (
                r#"{"format":"qinglian-export","version":1,"events":3}"#,
                Key::ImportDamaged,
            ),
        ];
        for (text, key) in cases {
            let reason = Export::parse(text).unwrap_err();
            let message = import_refusal(&reason);
            assert_eq!(message.key, key, "{reason}");
            assert!(!message.show(Lang::ZhHans).contains('{'), "{reason}");
        }
    }

    #[test]
    fn both_languages_have_the_same_slots() {
        for &key in Key::ALL {
            assert_eq!(
                slot_names(text(Lang::En, key)),
                slot_names(text(Lang::ZhHans, key)),
                "{key:?} has different slots in English and Chinese"
            );
        }
    }

    #[test]
    fn english_counts_use_plural_forms() {
        // A count followed by a countable noun must choose its form.
        for &key in Key::ALL {
            let en = text(Lang::En, key);
            for noun in ["lessons", "questions", "events", "members", "attempts"] {
                assert!(
                    !en.contains(&format!("{{n}} {noun}")),
                    "{key:?}: write `{{n}} {{n|{}|{noun}}}`",
                    noun.trim_end_matches('s')
                );
            }
        }
    }
}
