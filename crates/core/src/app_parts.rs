//! The app ships as two parts, each its own wasm, so that what every learner
//! needs first (studying: Today, the library, lessons, quizzes, progress,
//! settings) downloads and starts without the pages that need the bureau's
//! server (studying together, the unit report, the administration). Both
//! parts share the same frame and storage; moving between them is an
//! ordinary page load, answered by the service worker offline.
//!
//! This table is the one place that says which address belongs to which
//! part: the server and the service worker answer a page load with that
//! part's HTML, and each part hands an address of the other to the browser.

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
}
