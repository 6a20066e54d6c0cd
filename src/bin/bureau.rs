//! Entry point of the bureau part of the app (bureau.html): studying
//! together, the unit report and the administration, each a page load away
//! from the study part (see `qinglian_core::app_parts`).

fn main() {
    qinglian::start(qinglian::BureauApp);
}
