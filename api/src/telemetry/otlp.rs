//! OpenTelemetry traces over OTLP/HTTP (protobuf): tracing's spans (a request's, and one per
//! resolver that can reach the database, `crate::schema::spans`) exported in batches.
//!
//! The SDK's batch processor exports from a thread of its own; the HTTP client (hyper, which
//! the binary already has) needs the Tokio runtime, so each export is sent on it. A collector
//! that is down or slow costs dropped spans, never a request: the queue is bounded and the
//! export has a timeout.

use super::BoxedLayer;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::hyper::HyperClient;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::time::Duration;
use tokio::runtime::Handle;
use tracing_subscriber::Layer;

/// How long one export may take before its batch is dropped.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Traces {
    provider: SdkTracerProvider,
}

impl Traces {
    /// Exports what is queued, then stops the exporter. The SDK blocks while it flushes, so
    /// it runs off the runtime's workers (which send the last export).
    pub async fn shutdown(self) {
        let provider = self.provider;
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "the last traces were not exported"),
            Err(err) => tracing::warn!(error = %err, "the last traces were not exported"),
        }
    }
}

/// The collector's traces address: `endpoint` as given when it names a path, else
/// `endpoint/v1/traces` (the OTLP/HTTP convention for a collector's base address).
fn traces_url(endpoint: &str) -> Result<String, String> {
    let invalid = |why: String| format!("WARD_OTLP_ENDPOINT {endpoint:?} is not an http(s) address: {why}");
    let uri: axum::http::Uri = endpoint.parse().map_err(|e: axum::http::uri::InvalidUri| invalid(e.to_string()))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(invalid("it needs a scheme and a host, such as http://127.0.0.1:4318".into()));
    }
    if uri.scheme_str() == Some("https") {
        return Err(invalid("this build exports over plain HTTP: use a local collector or agent".into()));
    }
    Ok(match uri.path() {
        "" | "/" => format!("{}/v1/traces", endpoint.trim_end_matches('/')),
        _ => endpoint.to_owned(),
    })
}

/// The tracing layer that turns spans into OpenTelemetry spans, and its exporter.
pub fn layer(endpoint: &str) -> Result<(BoxedLayer, Traces), String> {
    let url = traces_url(endpoint)?;
    let runtime = Handle::try_current().map_err(|e| format!("OpenTelemetry needs the Tokio runtime: {e}"))?;
    let client = OnRuntime { client: HyperClient::with_default_connector(EXPORT_TIMEOUT, None), runtime };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(client)
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url)
        .with_timeout(EXPORT_TIMEOUT)
        .build()
        .map_err(|e| format!("OpenTelemetry exporter: {e}"))?;
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, name the service instead.
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("ward");
    }
    let resource = resource.with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION"))).build();
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    // ward's spans are at INFO; the database drivers' own (DEBUG and below) are not traced.
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("ward"))
        .with_filter(tracing_subscriber::filter::LevelFilter::INFO)
        .boxed();
    Ok((layer, Traces { provider }))
}

/// An HTTP client whose requests run on the Tokio runtime, whichever thread asks.
#[derive(Debug)]
struct OnRuntime {
    client: HyperClient,
    runtime: Handle,
}

#[async_trait::async_trait]
impl HttpClient for OnRuntime {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime.spawn(async move { client.send_bytes(request).await }).await?
    }
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn a_base_address_gets_the_traces_path_and_a_full_one_is_kept() {
        assert_eq!(traces_url("http://127.0.0.1:4318").as_deref(), Ok("http://127.0.0.1:4318/v1/traces"));
        assert_eq!(traces_url("http://collector:4318/").as_deref(), Ok("http://collector:4318/v1/traces"));
        assert_eq!(
            traces_url("http://collector:4318/otlp/v1/traces").as_deref(),
            Ok("http://collector:4318/otlp/v1/traces")
        );
        for bad in ["collector:4318", "ftp://collector", "not a url", "https://collector:4318"] {
            assert!(traces_url(bad).is_err(), "{bad}");
        }
    }
}
