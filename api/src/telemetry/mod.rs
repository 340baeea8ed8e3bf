//! Logging: pretty on a terminal, JSON with `WARD_LOG_FORMAT=json`, plain lines otherwise;
//! and, in a ward built with the `otlp` feature and given `--otlp-endpoint`, OpenTelemetry
//! traces of the same spans ([`otlp`]).

#[cfg(feature = "otlp")]
mod otlp;

use std::io::IsTerminal;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// What must outlive the process's work: the trace exporter, flushed by [`Telemetry::shutdown`].
#[must_use]
pub struct Telemetry {
    #[cfg(feature = "otlp")]
    traces: Option<otlp::Traces>,
}

impl Telemetry {
    /// Sends the spans still queued (traces only; logs are written as they happen).
    pub async fn shutdown(self) {
        #[cfg(feature = "otlp")]
        if let Some(traces) = self.traces {
            traces.shutdown().await;
        }
    }
}

/// Installs the global subscriber once (later calls, in tests, change nothing). An endpoint
/// given to a ward built without the `otlp` feature is an error, not silence.
pub fn init(otlp_endpoint: Option<&str>) -> Result<Telemetry, String> {
    // `WARD_LOG` chooses what is logged, not what is traced: each layer has its own filter.
    let filter = EnvFilter::try_from_env("WARD_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let log = log_layer().with_filter(filter).boxed();
    #[cfg(feature = "otlp")]
    let (trace_layer, traces) = match otlp_endpoint {
        Some(endpoint) => otlp::layer(endpoint).map(|(layer, traces)| (Some(layer), Some(traces)))?,
        None => (None, None),
    };
    #[cfg(not(feature = "otlp"))]
    let trace_layer: Option<BoxedLayer> = match otlp_endpoint {
        Some(_) => {
            return Err("WARD_OTLP_ENDPOINT is set, but this ward was built without OpenTelemetry: \
                        build it with `--features otlp`"
                .into());
        }
        None => None,
    };
    let layers: Vec<BoxedLayer> = std::iter::once(log).chain(trace_layer).collect();
    let _ = tracing_subscriber::registry().with(layers).try_init();
    Ok(Telemetry {
        #[cfg(feature = "otlp")]
        traces,
    })
}

fn log_layer() -> BoxedLayer {
    let json = std::env::var("WARD_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    if json {
        layer.json().flatten_event(true).with_current_span(true).boxed()
    } else if std::io::stderr().is_terminal() {
        layer.pretty().boxed()
    } else {
        layer.with_ansi(false).boxed()
    }
}
