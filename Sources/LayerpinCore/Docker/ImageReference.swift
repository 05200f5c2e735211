/// An image reference as the engine reads it: `[registry[:port]/]repository[:tag][@digest]`. The
/// tag is what follows the last `:` after the last `/`, so a registry port is never taken for a tag
/// (`127.0.0.1:5000/app` has no tag).
package struct ImageReference: Sendable, Equatable {
    /// Everything before the tag and digest, registry and port included.
    package var repository: String
    package var tag: String?
    package var digest: String?

    package init(repository: String, tag: String? = nil, digest: String? = nil) {
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses a reference; nil for an image ID (`sha256:…`) or an empty string.
    package init?(parsing text: String) {
        guard !text.isEmpty, !text.hasPrefix("sha256:") else { return nil }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/") ?? rest.startIndex
        if let colon = rest[lastSlash...].lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { return nil }
        repository = String(rest)
    }

    package var description: String {
        repository + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }
}
