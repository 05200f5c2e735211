/// The `.dockerignore` patterns of one context, applied the way the engine generation's context
/// walk applies them. Common to both: the last matching pattern wins, and a pattern that matches a
/// directory covers everything below it.
///
/// Docker 20.10 (fileutils' `Matches` inside tonistiigi/fsutil's walker of 2021):
/// - a pattern matches a path, or the path's ancestor with as many components as the pattern has
///   (`foo` covers `foo/x/y`; `a/*` covers `a/b/c`);
/// - an excluded directory is skipped whole, unless an exception's text starts with the directory's
///   path and `/`: then the directory is sent (even if nothing below it is re-included) and entered.
///   Wildcard exceptions such as `!**/keep` therefore never reach into an excluded directory.
///
/// Current Docker (patternmatcher's `MatchesUsingParentResults` inside fsutil's filter walk):
/// - a pattern that matched a directory matches everything below it; a pattern is tried only when
///   it could change the verdict, so what a directory's verdict did not need is not inherited;
/// - an excluded directory is entered when some exception could reach inside it: every time an
///   exception has a wildcard other than a trailing `/*` or `/**`, else when an exception's text
///   starts with the directory's path and `/`; it is sent only when something below it is.
public struct IgnoreMatcher: Sendable {
    public let patterns: [IgnorePattern]
    public let generation: EngineGeneration
    /// True when any pattern is a `!` exception.
    public let hasExceptions: Bool
    /// Current Docker: whether every exception, without a trailing `/*` or `/**`, is literal
    /// (fsutil's `onlyPrefixExcludeExceptions`).
    private let literalExceptions: Bool

    public init(patterns: [IgnorePattern], generation: EngineGeneration) {
        self.patterns = patterns
        self.generation = generation
        hasExceptions = patterns.contains(where: \.isException)
        literalExceptions = patterns.allSatisfy { pattern in
            !pattern.isException || !Self.withoutTrailingGlob(pattern.glob).contains { "*[]?^\\".utf8.contains($0) }
        }
    }

    /// What the patterns said about a directory, handed to its children (current Docker): for each
    /// pattern, whether it matched the directory or one of its ancestors. Empty at the root.
    public struct Inherited: Sendable, Hashable {
        var matched: [Bool] = []
        public init() {}
    }

    /// Whether the ignore file excludes `path` (relative, `/`-separated), its ancestors tried as the
    /// engine tries them when it knows nothing of them.
    public func isExcluded(_ path: [UInt8]) -> Bool {
        verdict(path, inherited: Inherited()).excluded
    }

    /// The verdict on `path` in a walk, given what its parent directory's verdict left, and what
    /// this path leaves to its children.
    public func verdict(_ path: [UInt8], inherited: Inherited) -> (excluded: Bool, inherited: Inherited) {
        if patterns.isEmpty { return (false, inherited) }
        return UTF8Scalars.withValues(path) { scalars in
            switch generation {
            case .docker20_10: (excludedAt20_10(scalars, bytes: path[...]), inherited)
            case .current: verdictOfCurrent(scalars, bytes: path[...], inherited: inherited)
            }
        }
    }

    private func excludedAt20_10(_ scalars: UnsafeBufferPointer<UInt32>, bytes: ArraySlice<UInt8>) -> Bool {
        var excluded = false
        for pattern in patterns where excluded == pattern.isException {
            // Only a pattern that would change the verdict needs trying (the last match wins).
            if pattern.matches(scalars: scalars, bytes: bytes)
                || Self.ancestor(of: scalars, components: pattern.componentCount).map({
                    pattern.matches(scalars: $0, bytes: [])
                }) == true
            {
                excluded = !pattern.isException
            }
        }
        return excluded
    }

    private func verdictOfCurrent(
        _ scalars: UnsafeBufferPointer<UInt32>, bytes: ArraySlice<UInt8>, inherited: Inherited
    ) -> (excluded: Bool, inherited: Inherited) {
        var excluded = false
        var matched = [Bool](repeating: false, count: patterns.count)
        for (index, pattern) in patterns.enumerated() {
            var match = inherited.matched.isEmpty ? false : inherited.matched[index]
            if !match {
                if pattern.isException != excluded { continue }
                match = pattern.matches(scalars: scalars, bytes: bytes)
                // Knowing nothing of the parent, patternmatcher tries every ancestor.
                if !match && inherited.matched.isEmpty {
                    match = Self.ancestors(of: bytes).contains { ancestor in
                        UTF8Scalars.withValues(Array(ancestor)) { pattern.matches(scalars: $0, bytes: ancestor) }
                    }
                }
            }
            matched[index] = match
            if match { excluded = !pattern.isException }
        }
        var handed = Inherited()
        handed.matched = matched
        return (excluded, handed)
    }

    /// The first `components` components of a path ("a/b/c", 2 -> "a/b"), when it has more than
    /// that many; nil otherwise.
    private static func ancestor(of scalars: UnsafeBufferPointer<UInt32>, components: Int)
        -> UnsafeBufferPointer<UInt32>?
    {
        var seen = 0
        for index in scalars.indices where scalars[index] == UInt32(UInt8(ascii: "/")) {
            seen += 1
            if seen == components { return UnsafeBufferPointer(rebasing: scalars[..<index]) }
        }
        return nil
    }

    /// Every proper ancestor of a path, shortest first ("a/b/c" -> "a", "a/b").
    private static func ancestors(of path: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        path.indices.filter { path[$0] == UInt8(ascii: "/") }.map { path[path.startIndex..<$0] }
    }

    /// fsutil's `patternWithoutTrailingGlob`: the pattern without one trailing `/**`, then without
    /// one trailing `/*`.
    private static func withoutTrailingGlob(_ glob: [UInt8]) -> ArraySlice<UInt8> {
        var text = glob[...]
        for suffix in ["/**", "/*"] where text.reversed().starts(with: suffix.utf8.reversed()) {
            text = text.dropLast(suffix.utf8.count)
        }
        return text
    }

    /// For an excluded directory: whether the walk enters it, because an exception may name
    /// something inside it.
    public func mustEnterExcludedDirectory(_ path: [UInt8]) -> Bool {
        guard hasExceptions else { return false }
        let directory = path + [UInt8(ascii: "/")]
        switch generation {
        case .docker20_10:
            return patterns.contains { $0.isException && ($0.glob + [UInt8(ascii: "/")]).starts(with: directory) }
        case .current:
            if !literalExceptions { return true }
            return patterns.contains {
                $0.isException && (Self.withoutTrailingGlob($0.glob) + [UInt8(ascii: "/")]).starts(with: directory)
            }
        }
    }

    /// Whether an excluded directory the walk entered is sent even when nothing below it is
    /// (Docker 20.10), or only with what is (current Docker).
    public var sendsEnteredDirectories: Bool { generation == .docker20_10 }
}
