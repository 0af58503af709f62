import JejakBase
import JejakJSON

/// A data category the KPU publishes, e.g. `laporan-keuangan`: what an exchange's `category`
/// names.
public struct DataCategory: Hashable, Sendable {
    /// The code, e.g. `laporan-keuangan`.
    public let id: String
    /// The name in Bahasa Indonesia.
    public let name: String
    /// The name in English.
    public let englishName: String

    /// A category.
    public init(id: String, name: String, englishName: String) {
        self.id = id
        self.name = name
        self.englishName = englishName
    }
}

/// The published data categories (`Schemas/categories.json`, shipped with the schemas): a
/// JSON array of `{"id", "name": {"id": "<Indonesian>", "en": "<English>"}}` objects. An
/// exchange whose `category` is not one of them is refused (rule `unknown-category`).
///
/// ```swift
/// let categories = try SchemaCatalog.bundled().categories
/// categories.contains("anggaran")   // true
/// ```
public struct DataCategories: Hashable, Sendable {
    /// The file's name beside the schemas.
    public static let fileName = "categories.json"

    /// The categories, in file order.
    public let categories: [DataCategory]
    private let byID: Set<ExactText>

    /// Parses the contents of a `categories.json` file.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/schemaInvalid`` naming the problem
    ///   (not JSON, a missing field, a repeated id).
    public init(json bytes: [UInt8]) throws(DomainError) {
        let file = Self.fileName
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw DomainError(.schemaInvalid, "\(file) is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .array(let array) = value else {
            throw DomainError(.schemaInvalid, "\(file) must hold a JSON array of categories")
        }
        var categories: [DataCategory] = []
        var seen: Set<ExactText> = []
        for (i, value) in array.enumerated() {
            let at = "\(file): category \(i)"
            func string(_ v: JSONValue?, _ name: String) throws(DomainError) -> String {
                guard case .string(let s)? = v?[name], !s.isEmpty else {
                    throw DomainError(.schemaInvalid, "\(at): \"\(name)\" must be a non-empty string")
                }
                return s
            }
            let id = try string(value, "id")
            let category = DataCategory(id: id, name: try string(value["name"], "id"), englishName: try string(value["name"], "en"))
            guard seen.insert(ExactText(id)).inserted else {
                throw DomainError(.schemaInvalid, "\(at): the category \"\(id)\" is listed twice")
            }
            categories.append(category)
        }
        self.categories = categories
        self.byID = seen
    }

    /// The categories' ids.
    public var ids: Set<String> { Set(categories.map(\.id)) }

    /// Whether `id` is a published category (bytes compared, as every identifier is).
    public func contains(_ id: String) -> Bool { byID.contains(ExactText(id)) }
}
