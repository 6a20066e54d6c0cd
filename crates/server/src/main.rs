//! `qinglian-server`: serves the built app and (in later versions) the bureau's
//! sync API. See `--help`.

use clap::Parser;
use qinglian_server::{serve, Config};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Qinglian's server: serves the installable app from a build directory, with
/// its data kept in one directory. The app works without it; a bureau runs it to
/// sync progress across devices and to see its units' reports.
#[derive(Parser, Debug)]
#[command(name = "qinglian-server", version, about, long_about = None)]
struct Cli {
    /// Address and port to listen on. Port 0 picks a free port (tests use this);
    /// the chosen address is printed as "listening on http://…".
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,

    /// Directory for the server's data (its database and published content).
    /// Created when missing.
    #[arg(long, default_value = "./data")]
    data: PathBuf,

    /// Directory of the built app to serve (what `cargo xtask dist` writes to dist/).
    #[arg(long = "static", default_value = "dist")]
    static_dir: PathBuf,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "qinglian_server=info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let config = Config {
        addr: cli.addr,
        data_dir: cli.data,
        static_dir: cli.static_dir,
    };
    if let Err(err) = serve(config).await {
        eprintln!("qinglian-server: {err}");
        std::process::exit(1);
    }
}
