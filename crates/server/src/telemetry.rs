use tracing::subscriber::set_global_default;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Logs go to `sink` (stderr for the binary),
/// never stdout, which carries the root key banner and `bootstrap`'s JSON.
/// Secrets never reach a span or an event: see `SecretBytes`' `Debug`.
pub fn init_subscriber<W>(default_filter: &str, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter).with_writer(sink).with_target(false).finish();
    // A second call (several apps in one test binary) keeps the first subscriber.
    let _ = set_global_default(subscriber);
}
