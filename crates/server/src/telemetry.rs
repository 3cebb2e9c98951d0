use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::subscriber::set_global_default;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Logs go to `sink` (stderr for the binary),
/// never stdout, which carries the root key banner and `bootstrap`'s JSON.
/// Secrets never reach a span or an event: see `SecretBytes`' `Debug`.
///
/// Colours only on a terminal, and not when `NO_COLOR` is set. Every control
/// character a request put into a log line (an unknown field's name, a scope
/// that does not exist) is written escaped, so no client can forge a line.
pub fn init_subscriber<W>(default_filter: &str, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    init_subscriber_as(LogFormat::Pretty, default_filter, sink);
}

/// As [`init_subscriber`], in `format`: `Json` writes one JSON object per
/// line, with the request's span (and so its `request_id`) on every line of
/// a request.
pub fn init_subscriber_as<W>(format: LogFormat, default_filter: &str, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    init_subscriber_with(format, default_filter, sink, None);
}

/// As [`init_subscriber_as`], also sending spans to `tracer` when there is
/// one (see [`otlp_tracer`]). Spans carry what the log carries: the request
/// id, route and status, never a secret.
pub fn init_subscriber_with<W>(format: LogFormat, default_filter: &str, sink: W, tracer: Option<SdkTracer>)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let colours = format == LogFormat::Pretty && io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(Escaping { inner: sink, colours })
        .with_ansi(colours)
        .with_target(false);
    let spans = tracer.map(|tracer| tracing_opentelemetry::layer().with_tracer(tracer));
    let registry = tracing_subscriber::registry().with(filter).with(spans);
    // A second call (several apps in one test binary) keeps the first subscriber.
    let _ = match format {
        LogFormat::Pretty => set_global_default(registry.with(lines)),
        LogFormat::Json => {
            set_global_default(registry.with(lines.json().with_current_span(false).with_span_list(true)))
        }
    };
}

/// Why trace export could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("telemetry.otlp_endpoint: cannot export traces to {endpoint}: {reason}")]
pub struct OtlpError {
    endpoint: String,
    reason: String,
}

/// A tracer exporting spans in batches over OTLP/HTTP (protobuf) to
/// `{endpoint}/v1/traces`, and its provider, to be shut down (flushing
/// what is left) when the process stops.
///
/// # Errors
/// The exporter cannot be built (a malformed URL).
pub fn otlp_tracer(endpoint: &str, service_name: &str) -> Result<(SdkTracer, SdkTracerProvider), OtlpError> {
    let traces = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let fail = |reason: String| OtlpError { endpoint: endpoint.to_owned(), reason };
    // The exporter's blocking HTTP client must not be made on an async
    // runtime's thread: it starts a runtime of its own.
    let exporter = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_protocol(Protocol::HttpBinary)
                    .with_endpoint(traces.clone())
                    .build()
            })
            .join()
    })
    .map_err(|_| fail("the exporter's set-up panicked".into()))?
    .map_err(|e| fail(e.to_string()))?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(service_name.to_owned()).build();
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    Ok((provider.tracer("sesame"), provider))
}

/// How log lines are written (`logging.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable text, coloured on a terminal.
    #[default]
    Pretty,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Makes writers that escape what [`escape_line`] escapes.
struct Escaping<M> {
    inner: M,
    colours: bool,
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Escaping<M> {
    type Writer = EscapingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapingWriter { inner: self.inner.make_writer(), colours: self.colours }
    }
}

/// The formatter writes each event whole, in one call, ending in its one
/// line break: everything before that break is the event's text.
struct EscapingWriter<W> {
    inner: W,
    colours: bool,
}

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_all(&escape_line(buf, self.colours))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `line` with every control character but tab written as `\n`, `\r` or
/// `\xNN`, except its final line break, and ESC when `colours` keeps the
/// formatter's own colour codes.
pub fn escape_line(line: &[u8], colours: bool) -> Cow<'_, [u8]> {
    let (body, end) = match line.strip_suffix(b"\n") {
        Some(body) => (body, &b"\n"[..]),
        None => (line, &b""[..]),
    };
    let escaped = |b: u8| (b < 0x20 && b != b'\t' && !(colours && b == 0x1b)) || b == 0x7f;
    if !body.iter().copied().any(escaped) {
        return Cow::Borrowed(line);
    }
    let mut out = Vec::with_capacity(line.len() + 16);
    for &b in body {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b if escaped(b) => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
            b => out.push(b),
        }
    }
    out.extend_from_slice(end);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_break_inside_an_event_cannot_start_a_line_of_its_own() {
        let forged = b"WARN unknown field `a\nINFO api key revoked` in body\n";
        assert_eq!(&*escape_line(forged, false), &b"WARN unknown field `a\\nINFO api key revoked` in body\n"[..]);
    }

    #[test]
    fn nul_carriage_return_and_escape_are_written_escaped_without_colours() {
        assert_eq!(&*escape_line(b"a\0b\rc\x1b[31md\n", false), &b"a\\x00b\\rc\\x1b[31md\n"[..]);
    }

    #[test]
    fn with_colours_the_formatters_escape_codes_stay_and_a_clean_line_is_not_copied() {
        assert_eq!(&*escape_line(b"\x1b[32mINFO\x1b[0m ok\n", true), &b"\x1b[32mINFO\x1b[0m ok\n"[..]);
        assert!(matches!(escape_line(b"plain\tline\n", false), Cow::Borrowed(_)));
    }
}
