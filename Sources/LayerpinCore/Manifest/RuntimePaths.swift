import LayerpinIgnore

/// The paths an application may create or change while it runs (`layerpin.yaml` `runtime:`):
/// never a verify failure, reported as written at run time. A pattern is a path relative to the
/// application, `/`-separated; each segment may use `*`, `?` and `[…]` (never crossing `/`); one
/// segment may be `**` (any number of segments); a pattern that matches a directory takes
/// everything below it. The in-image verifier matches them the same way (`VerifyScript`), segment
/// by segment.
package struct RuntimePaths: Sendable {
    /// The patterns as image paths (absolute), one per pattern and application directory.
    package let imagePatterns: [String]

    /// What is wrong with a runtime pattern, if anything.
    package static func problem(with pattern: String) -> String? {
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: true)
        if pattern.hasPrefix("!") { return "exceptions ('!') are not supported" }
        if pattern.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "'") }) {
            return "a quote or a control character cannot be carried into verify.sh"
        }
        if segments.isEmpty { return "it is empty" }
        if segments.contains(where: { $0 == ".." || $0 == "." }) { return "'.' and '..' are not allowed" }
        if segments.filter({ $0 == "**" }).count > 1 { return "only one '**' segment is supported" }
        if segments.contains(where: { $0 != "**" && $0.contains("**") }) { return "'**' must be a whole segment" }
        for segment in segments where segment != "**" {
            guard IgnorePattern(glob: Array(segment.utf8)) != nil else { return "'\(segment)' is not a valid glob" }
        }
        return nil
    }

    /// The patterns of `runtime` placed under each directory the layout copies the context's
    /// directories to (a pattern for `db.sqlite3` with the root at `/app` is `/app/db.sqlite3`).
    package init(_ patterns: [String], layout: [Manifest.Mapping], directories: Set<[UInt8]>) {
        var placed: [String] = []
        for mapping in layout where mapping.context.isEmpty || directories.contains(mapping.context) {
            let base = mapping.image.hasSuffix("/") ? String(mapping.image.dropLast()) : mapping.image
            let prefix = String(decoding: mapping.context, as: UTF8.self)
            for pattern in patterns {
                let trimmed = pattern.split(separator: "/").joined(separator: "/")
                if prefix.isEmpty || trimmed.hasPrefix("**") {
                    placed.append(base + "/" + trimmed)
                } else if trimmed.hasPrefix(prefix + "/") {
                    placed.append(base + "/" + trimmed.dropFirst(prefix.count + 1))
                }
            }
        }
        imagePatterns = Array(Set(placed)).sorted()
    }

    /// The run-time paths of a manifest, placed by its layout.
    package init(of manifest: Manifest) {
        let directories = Set(manifest.entries.filter { $0.kind == .directory }.map(\.path))
        self.init(manifest.runtime, layout: manifest.layout, directories: directories)
    }

    /// Whether an image path (absolute) is one the application may write.
    package func contains(_ path: [UInt8]) -> Bool {
        let segments = path.split(separator: UInt8(ascii: "/")).map(Array.init)
        return imagePatterns.contains { Self.matches(pattern: $0, segments: segments) }
    }

    /// A pattern `A/**/B` (or `A`) against path segments: `A` glob-matches the leading segments,
    /// then `B` glob-matches the segments at some later position; whatever follows a match is
    /// inside it.
    static func matches(pattern: String, segments: [[UInt8]]) -> Bool {
        let parts = pattern.split(separator: "/").map { Array($0.utf8) }
        let star = parts.firstIndex(of: Array("**".utf8))
        let head = Array(parts[..<(star ?? parts.count)])
        guard prefixMatches(head, segments[...]) else { return false }
        guard let star else { return true }
        let tail = Array(parts[(star + 1)...])
        var rest = segments[head.count...]
        while true {
            if prefixMatches(tail, rest) { return true }
            guard !rest.isEmpty else { return false }
            rest = rest.dropFirst()
        }
    }

    private static func prefixMatches(_ pattern: [[UInt8]], _ segments: ArraySlice<[UInt8]>) -> Bool {
        guard segments.count >= pattern.count else { return false }
        for (glob, segment) in zip(pattern, segments) {
            guard let compiled = IgnorePattern(glob: glob), compiled.matches(segment) else { return false }
        }
        return true
    }
}
