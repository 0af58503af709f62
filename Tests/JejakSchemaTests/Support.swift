import JejakJSON
import Testing

@testable import JejakSchema

/// Parses JSON text (test helper).
func json(_ text: String) throws -> JSONValue {
    try JSONParser.parse(text)
}

/// Compiles a schema from JSON text (test helper).
func compile(_ text: String, registry: SchemaRegistry? = nil, format: SchemaOptions.FormatMode = .annotation)
    throws(SchemaError) -> JSONSchema
{
    try JSONSchema(parsing: text, registry: registry, options: SchemaOptions(format: format))
}

/// The error a schema fails to load with, or `nil` if it loads (test helper).
func loadError(_ text: String, registry: SchemaRegistry? = nil, format: SchemaOptions.FormatMode = .annotation)
    -> SchemaError?
{
    do {
        _ = try compile(text, registry: registry, format: format)
        return nil
    } catch {
        return error
    }
}

/// The `SchemaError` that `body` throws, or `nil` if it throws nothing or something else.
func schemaError(_ body: () throws -> Void) -> SchemaError? {
    do {
        try body()
        return nil
    } catch let error as SchemaError {
        return error
    } catch {
        return nil
    }
}
