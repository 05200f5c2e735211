import LayerpinIgnore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The build context of a directory: what Docker would send, entry by entry.
public struct BuildContext: Sendable {
    /// The context root as given.
    public let root: String
    /// The ignore file that applied (relative to the root, or as given for an outside Dockerfile);
    /// nil when there is none.
    public let ignoreFile: String?
    /// Every entry Docker would send, sorted by path bytes.
    public let entries: [ContextEntry]
    /// The ignore patterns that applied.
    public let matcher: IgnoreMatcher

    /// Walks `root`, applying `<dockerfile>.dockerignore` when it exists next to the Dockerfile,
    /// else `.dockerignore` at the root. `dockerfile` is relative to `root` unless absolute
    /// (default `Dockerfile`).
    public static func scan(
        root: String, dockerfile: String? = nil, checkReadable: Bool = false, walkThreads: Int = ProcessInfoCores.count
    ) throws(LayerpinError)
        -> BuildContext
    {
        let descriptor = try openRoot(root)
        defer { FileSystem.close(descriptor) }
        let (ignoreFile, patterns) = try loadIgnorePatterns(dockerfile: dockerfile ?? "Dockerfile") {
            path throws(LayerpinError) in try readFile(Array(path.utf8), root: descriptor)
        }
        let matcher = IgnoreMatcher(patterns: patterns)
        let walker = ContextWalker(
            source: FileSystemSource(rootDirectory: descriptor), matcher: matcher, checkReadable: checkReadable,
            threads: walkThreads)
        return BuildContext(root: root, ignoreFile: ignoreFile, entries: try walker.walk(), matcher: matcher)
    }

    static func openRoot(_ root: String) throws(LayerpinError) -> Int32 {
        do {
            return try FileSystem.openRoot(Array(root.utf8))
        } catch  where error.errno == ENOTDIR {
            throw .notADirectory(path: root)
        } catch {
            throw .systemCall(operation: error.operation, path: Array(root.utf8), errno: error.errno)
        }
    }

    /// The patterns of the ignore file that applies: `<dockerfile>.dockerignore`, else
    /// `.dockerignore`; `read` returns a file's bytes relative to the root, nil when absent.
    static func loadIgnorePatterns(
        dockerfile: String, read: (String) throws(LayerpinError) -> [UInt8]?
    ) throws(LayerpinError) -> (String?, [IgnorePattern]) {
        for candidate in [dockerfile + ".dockerignore", ".dockerignore"] {
            guard let bytes = try read(candidate) else { continue }
            do {
                return (candidate, try IgnoreFile.parse(bytes))
            } catch {
                throw .invalidIgnoreFile(file: candidate, error)
            }
        }
        return (nil, [])
    }

    /// Reads a small file relative to the root descriptor (or absolute); nil when absent.
    static func readFile(_ path: [UInt8], root: Int32) throws(LayerpinError) -> [UInt8]? {
        do {
            return try FileSystem.readSmallFile(at: path.first == RawPath.separator ? AT_FDCWD : root, path)
        } catch {
            throw .systemCall(operation: error.operation, path: path, errno: error.errno)
        }
    }
}
