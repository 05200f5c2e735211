import LayerpinDigest
import LayerpinIgnore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tree the context walk can read: the file system, or a git commit.
protocol ContextSource {
    associatedtype Directory
    var rootDirectory: Directory { get }
    /// The children of a directory, each with its kind and stat fields (no symlink targets yet).
    func children(of directory: Directory, path: [UInt8]) throws(LayerpinError) -> [SourceChild]
    /// Opens a child directory; `path` is its context path.
    func open(_ path: [UInt8], name: [UInt8], in directory: Directory) throws(LayerpinError) -> Directory
    func close(_ directory: Directory)
    /// The target of a symlink child.
    func linkTarget(_ path: [UInt8], name: [UInt8], in directory: Directory, size: Int64) throws(LayerpinError)
        -> [UInt8]
    /// Checks that a file child could be read (when the listing must promise it).
    func checkReadable(_ path: [UInt8], name: [UInt8], in directory: Directory) throws(LayerpinError)
}

/// A child of a directory: an entry, or something that cannot be part of a context (a FIFO,
/// socket or device; a git submodule), which is an error only when the context would include it.
enum SourceChild {
    case entry(ContextEntry)
    case special(path: [UInt8], kind: String)

    var path: [UInt8] {
        switch self {
        case .entry(let entry): entry.path
        case .special(let path, _): path
        }
    }
}

/// Walks a context source the way BuildKit's context transfer does: `.dockerignore` applied as
/// tonistiigi/fsutil applies it, symlinks listed and never followed, never leaving the root.
///
/// An excluded directory is skipped whole unless an exception names something inside it; then it is
/// sent and entered (see `IgnoreMatcher`). An unreadable directory that is excluded is skipped
/// silently, as Docker does; one that would be sent is an error. A FIFO, socket or device that
/// would be sent is an error (the walk never opens one).
struct ContextWalker<Source: ContextSource> {
    var source: Source
    var matcher: IgnoreMatcher
    /// Also check that every file is readable (for listings that do not hash).
    var checkReadable: Bool

    func walk() throws(LayerpinError) -> [ContextEntry] {
        var entries: [ContextEntry] = []
        try walkDirectory(source.rootDirectory, path: [], into: &entries)
        entries.sort { $0.path.lexicographicallyPrecedes($1.path) }
        return entries
    }

    private func walkDirectory(
        _ directory: Source.Directory, path: [UInt8], into entries: inout [ContextEntry]
    ) throws(LayerpinError) {
        for sourceChild in try source.children(of: directory, path: path) {
            let excluded = matcher.isExcluded(sourceChild.path)
            guard case .entry(var child) = sourceChild else {
                if excluded { continue }
                guard case .special(let specialPath, let kind) = sourceChild else { continue }
                throw .specialFile(path: specialPath, kind: kind)
            }
            let name = Array(child.path.suffix(from: path.isEmpty ? 0 : path.count + 1))
            if excluded {
                guard child.kind == .directory, matcher.mustEnterExcludedDirectory(child.path),
                    let opened = try? source.open(child.path, name: name, in: directory)
                else { continue }
                defer { source.close(opened) }
                entries.append(child)
                try walkDirectory(opened, path: child.path, into: &entries)
                continue
            }
            switch child.kind {
            case .directory:
                entries.append(child)
                let opened = try source.open(child.path, name: name, in: directory)
                defer { source.close(opened) }
                try walkDirectory(opened, path: child.path, into: &entries)
            case .file:
                if checkReadable { try source.checkReadable(child.path, name: name, in: directory) }
                entries.append(child)
            case .symlink:
                child.linkTarget = try source.linkTarget(child.path, name: name, in: directory, size: child.size)
                child.size = Int64(child.linkTarget!.count)
                entries.append(child)
            }
        }
    }
}

/// The file system under a root descriptor. Directories are opened one component at a time with
/// `O_NOFOLLOW`, so the walk cannot be led out of the root.
struct FileSystemSource: ContextSource {
    var rootDirectory: Int32

    func children(of directory: Int32, path: [UInt8]) throws(LayerpinError) -> [SourceChild] {
        let names: [[UInt8]]
        do {
            names = try FileSystem.names(inDirectory: directory)
        } catch {
            throw .systemCall(operation: error.operation, path: path, errno: error.errno)
        }
        var children: [SourceChild] = []
        children.reserveCapacity(names.count)
        for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let childPath = RawPath.join(path, name)
            let status: FileSystem.Status
            do {
                status = try FileSystem.linkStatus(at: directory, name)
            } catch  where error.errno == ENOENT {
                continue  // removed since readdir: not part of this snapshot
            } catch {
                throw .systemCall(operation: error.operation, path: childPath, errno: error.errno)
            }
            let kind: EntryKind
            if status.isDirectory {
                kind = .directory
            } else if status.isRegular {
                kind = .file
            } else if status.isSymlink {
                kind = .symlink
            } else {
                children.append(.special(path: childPath, kind: status.specialKindName))
                continue
            }
            children.append(
                .entry(
                    ContextEntry(
                        path: childPath, kind: kind, mode: status.mode, size: kind == .directory ? 0 : status.size,
                        mtimeNanoseconds: status.mtimeNanoseconds, ctimeNanoseconds: status.ctimeNanoseconds,
                        inode: status.inode)))
        }
        return children
    }

    func open(_ path: [UInt8], name: [UInt8], in directory: Int32) throws(LayerpinError) -> Int32 {
        do {
            return try FileSystem.openDirectory(at: directory, name)
        } catch {
            throw .systemCall(operation: error.operation, path: path, errno: error.errno)
        }
    }

    func close(_ directory: Int32) {
        FileSystem.close(directory)
    }

    func linkTarget(_ path: [UInt8], name: [UInt8], in directory: Int32, size: Int64) throws(LayerpinError) -> [UInt8] {
        do {
            return try FileSystem.linkTarget(at: directory, name, sizeHint: Int(size))
        } catch {
            throw .systemCall(operation: error.operation, path: path, errno: error.errno)
        }
    }

    func checkReadable(_ path: [UInt8], name: [UInt8], in directory: Int32) throws(LayerpinError) {
        if !FileSystem.isReadable(at: directory, name) {
            throw .systemCall(operation: "open", path: path, errno: EACCES)
        }
    }
}
