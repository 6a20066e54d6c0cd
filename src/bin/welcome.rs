//! Entry point of the welcome part of the app (welcome.html): the first-run
//! welcome alone, what a first visit downloads before anything else (see
//! `qinglian_core::app_parts::welcome_first`).

fn main() {
    qinglian::start(qinglian::WelcomeApp);
}
