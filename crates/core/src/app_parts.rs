//! The app ships as two main parts, each its own wasm, so that what every learner
//! needs first (studying: Today, the library, lessons, quizzes, progress,
//! settings) downloads and starts without the pages that need the bureau's
//! server (studying together, the unit report, the administration). Both
//! parts share the same frame and storage; moving between them is an
//! ordinary page load, answered by the service worker offline.
//!
//! This table is the one place that says which address belongs to which
//! part: the server and the service worker answer a page load with that
//! part's HTML, and each part hands an address of the other to the browser.
//!
//! A third, much smaller build is the welcome part (`welcome.html`): the
//! first-run welcome alone, which a first visit needs before anything else
//! (the learner chooses a tier). The server answers a study page with it
//! until the browser has said, with [`STARTED_COOKIE`], that a tier was
//! chosen; meanwhile the service worker downloads the study part, which
//! opens once the welcome is answered. Once installed, the service worker
//! answers every study page with index.html itself, and the study part
//! still has its own welcome for a learner whose settings were cleared.

/// One of the two builds of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppPart {
    /// Studying alone: everything that works with no server at all.
    Study,
    /// Studying together, the unit report and the administration.
    Bureau,
}

/// The addresses of the bureau part: each path and everything below it.
pub const BUREAU_PATHS: [&str; 6] = [
    "/sessions",
    "/ask",
    "/feedback",
    "/assignments",
    "/unit",
    "/admin",
];

impl AppPart {
    /// The part that shows the page at `path` (a URL's path, no query).
    pub fn of_path(path: &str) -> AppPart {
        let bureau = BUREAU_PATHS.iter().any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
        if bureau {
            AppPart::Bureau
        } else {
            AppPart::Study
        }
    }

    /// The HTML file that starts this part, as the build writes it.
    pub fn html_file(self) -> &'static str {
        match self {
            AppPart::Study => "index.html",
            AppPart::Bureau => "bureau.html",
        }
    }
}

/// The HTML file of the welcome part, as the build writes it.
pub const WELCOME_HTML: &str = "welcome.html";

/// The cookie the app sets once the learner has chosen a tier, so that the
/// server answers a page load with the study part from then on. It holds no
/// more than that: the settings themselves stay in the browser's storage.
pub const STARTED_COOKIE: &str = "qinglian-started";

/// Whether the server answers a GET of `path` with the welcome part: a
/// [`study_page`] when `cookies` (the request's Cookie header) lack
/// [`STARTED_COOKIE`].
pub fn welcome_first(path: &str, cookies: Option<&str>) -> bool {
    study_page(path) && !started(cookies)
}

/// Whether `path` is a page of the study part: not the API, not a file
/// (files have a dot in their last segment), not the bureau part's.
pub fn study_page(path: &str) -> bool {
    let api = path == "/api" || path.starts_with("/api/");
    let file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    !api && !file && AppPart::of_path(path) == AppPart::Study
}

/// Whether `cookies` (a Cookie header, or `document.cookie`) hold
/// [`STARTED_COOKIE`].
pub fn started(cookies: Option<&str>) -> bool {
    cookies.is_some_and(|header| {
        header
            .split(';')
            .any(|pair| pair.trim().split('=').next() == Some(STARTED_COOKIE))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bureau_path_and_what_is_below_it_belongs_to_the_bureau_part() {
        for path in BUREAU_PATHS {
            assert_eq!(AppPart::of_path(path), AppPart::Bureau, "{path}");
            assert_eq!(
                AppPart::of_path(&format!("{path}/42")),
                AppPart::Bureau,
                "{path}/42"
            );
        }
        assert_eq!(AppPart::of_path("/sessions/check-in"), AppPart::Bureau);
    }

    #[test]
    fn study_pages_and_look_alike_paths_belong_to_the_study_part() {
        for path in [
            "/",
            "",
            "/library",
            "/lesson/gifts",
            "/settings",
            "/join",
            "/progress",
            "/admins",
            "/unity",
            "/asked/1",
            "/lesson/admin",
        ] {
            assert_eq!(AppPart::of_path(path), AppPart::Study, "{path}");
        }
    }

    #[test]
    fn each_part_has_its_own_html_file() {
        assert_ne!(AppPart::Study.html_file(), AppPart::Bureau.html_file());
        assert_eq!(AppPart::Study.html_file(), "index.html");
    }

    #[test]
    fn a_study_page_without_the_started_cookie_gets_the_welcome_first() {
        for path in ["/", "/library", "/lesson/gifts", "/join", "/settings"] {
            assert!(welcome_first(path, None), "{path}");
            assert!(welcome_first(path, Some("theme=dark")), "{path}");
            assert!(
                welcome_first(path, Some("qinglian-started-not=1")),
                "{path}"
            );
        }
    }

    #[test]
    fn the_started_cookie_files_the_api_and_the_bureau_part_never_get_the_welcome() {
        for cookies in [
            "qinglian-started=1",
            "a=b; qinglian-started=1",
            " qinglian-started",
        ] {
            assert!(!welcome_first("/", Some(cookies)), "{cookies}");
            assert!(!welcome_first("/lesson/gifts", Some(cookies)), "{cookies}");
        }
        for path in [
            "/index.html",
            "/welcome.html",
            "/sw.js",
            "/content/pack.zh-Hans.json",
            "/icons/icon.svg",
            "/api",
            "/api/v1/events",
            "/admin",
            "/sessions/42",
        ] {
            assert!(!welcome_first(path, None), "{path}");
        }
    }
}
