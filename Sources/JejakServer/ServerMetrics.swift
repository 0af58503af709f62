import Metrics
import Prometheus

/// The server's metrics, through swift-metrics into a Prometheus registry of its own (so two
/// servers in one process, as in tests, keep theirs apart), served at `/metrics` in the
/// Prometheus text format.
///
/// - `jejak_appends_total`: events appended (new entries).
/// - `jejak_repeats_total`: events published again and answered with their original receipt.
/// - `jejak_refusals_total{code=…}`: refused requests, by error code.
/// - `jejak_commit_seconds`: how long an append took, from its arrival to its durable commit.
/// - `jejak_queue_depth`: events waiting in the writer's queue.
/// - `jejak_log_size`: entries in the log.
/// - `jejak_subscribers`: live Server-Sent Events followers.
/// - `jejak_follower_lag`: the entries the slowest read model is behind the log (with `--db`).
public final class ServerMetrics: Sendable {
    /// The registry the metrics are kept in.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    let appends: Metrics.Counter
    let repeats: Metrics.Counter
    let commitLatency: Metrics.Timer
    let queueDepth: Metrics.Gauge
    let logSize: Metrics.Gauge
    let subscribers: Metrics.Meter
    let followerLag: Metrics.Gauge

    /// Metrics in a new registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["jejak_commit_seconds"] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
            .milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
        appends = Metrics.Counter(label: "jejak_appends_total", factory: factory)
        repeats = Metrics.Counter(label: "jejak_repeats_total", factory: factory)
        commitLatency = Metrics.Timer(label: "jejak_commit_seconds", factory: factory)
        queueDepth = Metrics.Gauge(label: "jejak_queue_depth", factory: factory)
        logSize = Metrics.Gauge(label: "jejak_log_size", factory: factory)
        subscribers = Metrics.Meter(label: "jejak_subscribers", factory: factory)
        followerLag = Metrics.Gauge(label: "jejak_follower_lag", factory: factory)
    }

    /// Counts a refusal with `code`.
    func refused(_ code: String) {
        Metrics.Counter(label: "jejak_refusals_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// The metrics in the Prometheus text exposition format.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
