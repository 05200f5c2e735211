import LayerpinDockerfile

/// A JSON value written canonically: object keys sorted by their UTF-8 bytes, two-space
/// indentation, no trailing spaces, `\n` at the end. The same value always gives the same bytes.
package indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The canonical text, newline-terminated.
    package var canonicalText: String {
        var out = ""
        write(into: &out, indent: "")
        return out + "\n"
    }

    private func write(into out: inout String, indent: String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .string(let value): Self.quote(value, into: &out)
        case .array(let values):
            if values.isEmpty {
                out += "[]"
                return
            }
            out += "[\n"
            for (index, value) in values.enumerated() {
                out += indent + "  "
                value.write(into: &out, indent: indent + "  ")
                out += index + 1 < values.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{\n"
            let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (index, key) in keys.enumerated() {
                out += indent + "  "
                Self.quote(key, into: &out)
                out += ": "
                members[key]!.write(into: &out, indent: indent + "  ")
                out += index + 1 < keys.count ? ",\n" : "\n"
            }
            out += indent + "}"
        }
    }

    private static func quote(_ text: String, into out: inout String) {
        JSONString.quote(text, into: &out)
    }
}
