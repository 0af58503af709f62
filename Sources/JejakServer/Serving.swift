import Logging
import ServiceLifecycle

/// Runs `service` (a ``LedgerServer``, or any HTTP server that reports its port) in a service
/// group of its own while `body` runs with its URL, then shuts the group down gracefully and
/// waits for it — for tests, benchmarks and tools that need a server for the length of a call.
///
/// ```swift
/// let (ports, found) = AsyncStream<Int>.makeStream()
/// let server = try LedgerServer(ledger: ledger, configuration: configuration, logger: logger) { found.yield($0) }
/// let size = try await withServing(server, ports: ports, logger: logger) { url in
///     try await JejakClient(url: url, policy: policy).size()
/// }
/// ```
///
/// - Parameters:
///   - ports: Where the service reports the port it listens on (its first element is used).
///   - scheme: `http` or `https`.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws (after the shutdown), or what the service throws.
public func withServing<R: Sendable>(_ service: some Service, ports: AsyncStream<Int>, scheme: String = "http", logger: Logger,
                                     _ body: @Sendable (_ url: String) async throws -> R) async throws -> R {
    try await withServing([service], ports: ports, scheme: scheme, logger: logger, body)
}

/// Runs `services` in one group (the first reporting its port to `ports`, the others beside
/// it, such as a ``WitnessPusher``) while `body` runs with the URL; see
/// ``withServing(_:ports:scheme:logger:_:)-(some Service,_,_,_,_)``.
public func withServing<R: Sendable>(_ services: [any Service], ports: AsyncStream<Int>, scheme: String = "http", logger: Logger,
                                     _ body: @Sendable (_ url: String) async throws -> R) async throws -> R {
    let group = ServiceGroup(configuration: .init(services: services, logger: logger))
    return try await withThrowingTaskGroup(of: R?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let result: Result<R, any Error>
        do { result = .success(try await body("\(scheme)://127.0.0.1:\(port)")) } catch { result = .failure(error) }
        await group.triggerGracefulShutdown()
        while let _ = try await tasks.next() {}
        return try result.get()
    }
}
