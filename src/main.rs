//! Entry point of the study part of the app (index.html): what a first visit
//! downloads and the home-screen icon opens.

fn main() {
    qinglian::start(qinglian::StudyApp);
}
