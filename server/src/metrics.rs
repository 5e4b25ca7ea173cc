//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sparescan_core::sync::Verdict;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    verdict: &'static str,
    code: &'static str,
}

pub struct Metrics {
    registry: Registry,
    documents: Family<VerdictLabels, Counter>,
    push_seconds: Histogram,
    pulled: Counter,
    secret_checks: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("sparescan");
        let documents = Family::<VerdictLabels, Counter>::default();
        registry.register(
            "documents",
            "Pushed documents by verdict and reason code",
            documents.clone(),
        );
        let push_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "push_seconds",
            "Time to answer a push, seconds",
            push_seconds.clone(),
        );
        let pulled = Counter::default();
        registry.register(
            "pulled_changes",
            "Changes served to devices",
            pulled.clone(),
        );
        let secret_checks = Counter::default();
        registry.register(
            "secret_checks",
            "Argon2 checks of PINs and passwords at sign-in, decoys for unknown badges included",
            secret_checks.clone(),
        );
        Metrics {
            registry,
            documents,
            push_seconds,
            pulled,
            secret_checks,
        }
    }
}

impl Metrics {
    pub fn pushed(&self, verdicts: &[Verdict], took: Duration) {
        for v in verdicts {
            let labels = match v {
                Verdict::Accepted { .. } => VerdictLabels {
                    verdict: "accepted",
                    code: "",
                },
                Verdict::Duplicate { .. } => VerdictLabels {
                    verdict: "duplicate",
                    code: "",
                },
                Verdict::Rejected { refusal, .. } => VerdictLabels {
                    verdict: "rejected",
                    code: refusal.code.code(),
                },
            };
            self.documents.get_or_create(&labels).inc();
        }
        self.push_seconds.observe(took.as_secs_f64());
    }

    pub fn pulled(&self, n: usize) {
        self.pulled.inc_by(n as u64);
    }

    /// The sign-ins' check counter, for [`crate::api::lockout::SignInGuard`].
    pub fn secret_checks(&self) -> Counter {
        self.secret_checks.clone()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = encode(&mut out, &self.registry) {
            log::error!("encoding metrics: {e}");
        }
        out
    }
}
