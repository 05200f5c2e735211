import LayerpinIgnore

/// The build context of a directory: what Docker would send, entry by entry.
package struct BuildContext: Sendable {
    /// The context root as given.
    package let root: String
    /// The ignore file that applied (relative to the root, or as given for an outside Dockerfile);
    /// nil when there is none.
    package let ignoreFile: String?
    /// Every entry Docker would send, sorted by path bytes.
    package let entries: [ContextEntry]
    /// The ignore patterns that applied.
    package let matcher: IgnoreMatcher

    /// Walks `root`, applying `<dockerfile>.dockerignore` when it exists next to the Dockerfile,
    /// else `.dockerignore` at the root. `dockerfile` is relative to `root` unless absolute
    /// (default `Dockerfile`).
    package static func scan(
        root: String, dockerfile: String? = nil, generation: EngineGeneration, checkReadable: Bool = false,
        walkThreads: Int? = nil
    ) throws(LayerpinError)
        -> BuildContext
    {
        try scan(
            in: try OpenDirectory(root), dockerfile: dockerfile, generation: generation, checkReadable: checkReadable,
            walkThreads: walkThreads ?? FileSystem.requestsInFlight)
    }

    /// Walks an open root (see `scan(root:)`).
    static func scan(
        in root: borrowing OpenDirectory, dockerfile: String?, generation: EngineGeneration,
        checkReadable: Bool = false, walkThreads: Int = FileSystem.requestsInFlight
    ) throws(LayerpinError) -> BuildContext {
        let (ignoreFile, patterns) = try loadIgnorePatterns(
            dockerfile: dockerfile ?? "Dockerfile", generation: generation
        ) { path throws(LayerpinError) in try root.readIgnoreFile(Array(path.utf8)) }
        let matcher = IgnoreMatcher(patterns: patterns, generation: generation)
        let walker = ContextWalker(
            source: FileSystemSource(rootDirectory: root.rawValue), matcher: matcher, checkReadable: checkReadable,
            threads: walkThreads)
        return BuildContext(root: root.path, ignoreFile: ignoreFile, entries: try walker.walk(), matcher: matcher)
    }

    /// The patterns of the ignore file that applies: `<dockerfile>.dockerignore`, else
    /// `.dockerignore`; `read` returns a file's bytes relative to the root, nil when absent.
    static func loadIgnorePatterns(
        dockerfile: String, generation: EngineGeneration, read: (String) throws(LayerpinError) -> [UInt8]?
    ) throws(LayerpinError) -> (String?, [IgnorePattern]) {
        for candidate in [dockerfile + ".dockerignore", ".dockerignore"] {
            guard let bytes = try read(candidate) else { continue }
            do {
                return (candidate, try IgnoreFile.parse(bytes, generation: generation))
            } catch {
                throw .invalidIgnoreFile(file: candidate, error)
            }
        }
        return (nil, [])
    }
}
