/// The `.dockerignore` patterns of one context, applied the way the reference engine's context
/// walk applies them (dockerd 20.10: fileutils' `Matches` inside tonistiigi/fsutil's walker):
///
/// - the last matching pattern wins;
/// - a pattern also matches a path when it matches the path's ancestor with as many components
///   as the pattern has (`foo` covers `foo/x/y`; `a/*` covers `a/b/c`);
/// - an excluded directory is skipped whole, unless an exception's text starts with the directory's
///   path and `/`: then the directory is sent (even if nothing below it is re-included) and entered.
///   Wildcard exceptions such as `!**/keep` therefore never reach into an excluded directory.
public struct IgnoreMatcher: Sendable {
    public let patterns: [IgnorePattern]
    /// True when any pattern is a `!` exception.
    public let hasExceptions: Bool

    public init(patterns: [IgnorePattern]) {
        self.patterns = patterns
        hasExceptions = patterns.contains(where: \.isException)
    }

    /// Whether the ignore file excludes `path` (relative, `/`-separated).
    public func isExcluded(_ path: [UInt8]) -> Bool {
        if patterns.isEmpty { return false }
        return UTF8Scalars.withValues(path) { scalars in
            var excluded = false
            for pattern in patterns where excluded == pattern.isException {
                // Only a pattern that would change the verdict needs trying (the last match wins).
                if pattern.matches(scalars: scalars)
                    || Self.ancestor(of: scalars, components: pattern.componentCount).map(pattern.matches) == true
                {
                    excluded = !pattern.isException
                }
            }
            return excluded
        }
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

    /// For an excluded directory: whether the walk sends it anyway and enters it, because an
    /// exception names something inside it.
    public func mustEnterExcludedDirectory(_ path: [UInt8]) -> Bool {
        guard hasExceptions else { return false }
        let directory = path + [UInt8(ascii: "/")]
        return patterns.contains { $0.isException && ($0.glob + [UInt8(ascii: "/")]).starts(with: directory) }
    }
}
