//! The `sendscope` binary: the command line (`sendscope-cli`) joined to the web service
//! (`sendscope-web`). Neither depends on the other; this is where they meet.

use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc: the demo and bulk writes allocate and free large batches; glibc malloc spent
/// ~10% of the writer thread in page faults and consolidation there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The web service as the command line asks for it.
struct Web;

impl sendscope_cli::Web for Web {
    fn serve(
        &self,
        listener: std::net::TcpListener,
        store: Arc<dyn sendscope_store::Store>,
        o: sendscope_cli::ServeOptions,
    ) -> std::io::Result<()> {
        // One line a request on standard error (`sendscope_web::requests`): no personal
        // data, a reference for each.
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_ansi(false)
            .init();
        let options = sendscope_web::Options {
            secure_cookies: o.secure_cookies,
            setup_token: o.setup_token,
            public_url: o.public_url,
            oidc_client_secret: o.oidc_client_secret,
            kpi_snapshot: o.kpi_snapshot,
            anchoring: o
                .checkpoints
                .map(|(key, minutes, dir)| sendscope_web::anchor::Anchoring {
                    key,
                    every: std::time::Duration::from_secs(minutes * 60),
                    dir,
                }),
        };
        sendscope_web::serve_blocking(listener, store, options)
    }

    fn compliance_page(&self, report: &sendscope_app::compliance::Report) -> String {
        sendscope_web::compliance::html_page(report)
    }

    fn board_page(&self, report: &sendscope_app::board::Report) -> String {
        sendscope_web::board::html_page(report)
    }

    fn subject_access_page(&self, bundle: &sendscope_app::subject_access::Bundle) -> String {
        sendscope_web::subject_access::html_page(bundle)
    }

    fn stocktake(
        &self,
        pack: &sendscope_app::partnership::Stocktake,
        pdf: bool,
    ) -> Result<Vec<u8>, String> {
        if pdf {
            sendscope_web::partnership::stocktake_pdf(pack)
        } else {
            Ok(sendscope_web::partnership::stocktake_page(pack).into_bytes())
        }
    }
}

fn main() -> ExitCode {
    sendscope_cli::main(&Web)
}
