import LayerpinIgnore

/// The patterns of a configured group, in `.dockerignore` syntax as current Docker reads it
/// (layerpin's own patterns: the same whichever engine sends the context).
struct GroupMatcher {
    let matcher: IgnoreMatcher

    init(group: Config.Group, configFile: String) throws(LayerpinError) {
        do {
            let text = Array(group.patterns.joined(separator: "\n").utf8)
            matcher = IgnoreMatcher(patterns: try IgnoreFile.parse(text, generation: .current), generation: .current)
        } catch {
            let pattern = error.line - 1 < group.patterns.count ? group.patterns[error.line - 1] : error.pattern
            throw .invalidConfig(
                file: configFile, line: group.line, .invalidGroupPattern(group: group.name, pattern: pattern))
        }
    }

    /// Whether the pattern list takes this path (or one of its parent directories).
    func matches(_ path: [UInt8]) -> Bool {
        matcher.isExcluded(path)
    }
}
