import Foundation
import Hummingbird
import Jejak
import JejakAPI
import JejakHTTPServing
import JejakProjections
import Synchronization

/// The read models' queries over HTTP, as `jejak query` has them: JSON (the records, as
/// `--format json` prints them) or CSV (`?format=csv`, or `Accept: text/csv`).
///
/// | Route | Query |
/// |---|---|
/// | `GET /v1/query/exchanges?status=&unit=&overdue=true&as-of=&since=&limit=` | exchanges |
/// | `GET /v1/query/timeline/{exchange}` | one exchange's events |
/// | `GET /v1/query/units` | units and keys |
/// | `GET /v1/query/activity?unit=` | events per unit per month |
/// | `GET /v1/query/audits` | audits and findings |
///
/// They answer 404 when the server keeps no read models (`jejak serve --db FILE` does).
final class QueryRoutes: Sendable {
    let path: String?
    private let models = Mutex<ReadModels?>(nil)

    init(path: String?) {
        self.path = path
    }

    func add(to router: Router<BasicRequestContext>, answer: @escaping @Sendable (BasicRequestContext, () async throws -> Response) async throws -> Response) {
        router.get("v1/query/exchanges") { request, context in try await answer(context) { try self.exchanges(request) } }
        router.get("v1/query/timeline/**") { request, context in try await answer(context) { try self.timeline(request, context) } }
        router.get("v1/query/units") { request, context in
            try await answer(context) { try self.table(request, try self.open().units(), QueryTables.units) }
        }
        router.get("v1/query/activity") { request, context in
            try await answer(context) {
                try self.table(request, try self.open().activity(unit: request.uri.queryParameters.get("unit")), QueryTables.activity)
            }
        }
        router.get("v1/query/audits") { request, context in
            try await answer(context) { try self.table(request, try self.open().audits(), QueryTables.audits) }
        }
    }

    private func exchanges(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        var filter = ExchangeFilter()
        if let status = query.get("status") {
            guard let s = ExchangesProjection.Status(rawValue: status) else {
                throw APIError(.invalidParameter, "status is one of \(ExchangesProjection.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = s
        }
        filter.unit = query.get("unit")
        filter.since = query.get("since")
        if let limit = query.get("limit") { filter.limit = Int(min(try LedgerRoutes.number(limit, "limit"), 100_000)) }
        let overdue = query.get("overdue") == "true"
        if overdue { filter.overdueAsOf = query.get("as-of") ?? ReadModelTimeZone.wib.date(of: .now()) }
        return try table(request, try open().exchanges(filter)) { QueryTables.exchanges($0, overdue: overdue) }
    }

    private func timeline(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        guard let exchange = context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding, !exchange.isEmpty else {
            throw APIError(.invalidParameter, "the exchange's subject is missing or not percent-encoded UTF-8")
        }
        let records = try open().timeline(of: exchange)
        guard !records.isEmpty else { throw LedgerError(.notFound, "the read models hold no exchange \"\(exchange)\"") }
        return try table(request, records, QueryTables.timeline)
    }

    /// The records as JSON, or their table as CSV.
    private func table<T: Encodable>(_ request: Request, _ records: [T], _ makeTable: ([T]) -> QueryTables.Table) throws -> Response {
        let wantsCSV = request.uri.queryParameters.get("format") == "csv"
            || (request.headers[.accept]?.contains("text/csv") ?? false)
        if wantsCSV {
            return Answer.bytes(Array(makeTable(records).csv.utf8), "text/csv; charset=utf-8", cache: "no-cache")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Answer.json(Array(try encoder.encode(records)), cache: "no-cache")
    }

    /// How many entries the slowest read model is behind a log of `size` entries, when the
    /// server keeps read models and they can be read.
    func lag(logSize size: UInt64) -> UInt64? {
        guard path != nil, let models = try? open(), let positions = try? models.checkpoints(),
              let slowest = positions.map(\.position).min() else { return nil }
        return size >= slowest ? size - slowest : 0
    }

    /// The read models, opened on first use.
    private func open() throws -> ReadModels {
        guard let path else {
            throw LedgerError(.notFound, "this server keeps no read models: start it with `jejak serve --db FILE`")
        }
        if let models = models.withLock({ $0 }) { return models }
        guard FileManager.default.fileExists(atPath: path) else {
            throw LedgerError(.notFound, "the read models are not built yet")
        }
        do {
            let opened = try ReadModels(path: path)
            models.withLock { $0 = opened }
            return opened
        } catch {
            throw LedgerError(.notFound, "the read models can't be opened yet: \(error.message)")
        }
    }
}
