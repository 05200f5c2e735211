import Foundation

/// A directory opened once (the context root, a git hooks directory) that a command reads and
/// writes everything below it through, so the walk, the configuration and the hashing all see one
/// directory even when its path is renamed or replaced while the command runs.
struct OpenDirectory: ~Copyable {
    /// The path it was opened by, for messages.
    let path: String
    let descriptor: FileDescriptor

    /// Opens `path` (following a symlink only there, as the user named it).
    init(_ path: String) throws(LayerpinError) {
        do {
            descriptor = try FileSystem.openRoot(Array(path.utf8))
        } catch  where error.isNotADirectory {
            throw .notADirectory(path: path)
        } catch {
            throw .systemCall(operation: error.operation, path: Array(path.utf8), errno: error.errno)
        }
        self.path = path
    }

    /// The descriptor, lent to calls and threads while this value keeps it open.
    var rawValue: Int32 { descriptor.rawValue }

    /// A small file below it (an absolute path as it is); nil when absent. A symlink is followed
    /// only with `followingSymlinks` (a file the user names, such as a compose file).
    func read(_ relative: [UInt8], limit: Int = 16 << 20, followingSymlinks: Bool = false) throws(LayerpinError)
        -> [UInt8]?
    {
        try Self.read(at: rawValue, relative, limit: limit, followingSymlinks: followingSymlinks)
    }

    /// `read` for a directory descriptor someone else owns (a fingerprint source holds only that).
    static func read(at directory: Int32, _ relative: [UInt8], limit: Int = 16 << 20, followingSymlinks: Bool = false)
        throws(LayerpinError) -> [UInt8]?
    {
        do {
            return try FileSystem.readSmallFile(
                at: directory, relative, limit: limit, followingSymlinks: followingSymlinks)
        } catch {
            throw .systemCall(operation: error.operation, path: relative, errno: error.errno)
        }
    }

    /// An ignore file below it, read as the docker CLI reads it: a symlink is followed (a dangling
    /// one is no file), and a directory of that name is no file either (the engine then sends
    /// everything). `Fixtures/dockerignore/dockerignore-is-*` record the engine's answers.
    func readIgnoreFile(_ relative: [UInt8]) throws(LayerpinError) -> [UInt8]? {
        try Self.readIgnoreFile(at: rawValue, relative)
    }

    /// `readIgnoreFile` for a directory descriptor someone else owns.
    static func readIgnoreFile(at directory: Int32, _ relative: [UInt8]) throws(LayerpinError) -> [UInt8]? {
        do {
            return try FileSystem.readSmallFile(at: directory, relative, followingSymlinks: true)
        } catch  where error.isDirectory {
            return nil
        } catch {
            throw .systemCall(operation: error.operation, path: relative, errno: error.errno)
        }
    }

    /// Creates a directory below it unless it exists.
    func makeDirectory(_ relative: [UInt8]) throws(LayerpinError) {
        do {
            try FileSystem.makeDirectory(at: rawValue, relative)
        } catch {
            throw .systemCall(operation: error.operation, path: relative, errno: error.errno)
        }
    }

    /// Creates a directory below it and every missing parent (each `mkdir` relative to the root).
    func makeDirectories(_ relative: [UInt8]) throws(LayerpinError) {
        var path: [UInt8] = []
        for component in relative.split(separator: RawPath.separator) {
            path += (path.isEmpty ? [] : [RawPath.separator]) + component
            try makeDirectory(path)
        }
    }

    /// Writes a file below it atomically (see `FileSystem.writeAtomically`).
    func write(_ relative: [UInt8], _ bytes: [UInt8], mode: UInt32 = 0o644) throws(LayerpinError) {
        try write(relative, mode: mode) { descriptor throws(LayerpinError) in
            do throws(FileSystem.CallError) {
                try bytes.withUnsafeBytes { raw in
                    Result { () throws(FileSystem.CallError) in try FileSystem.writeAll(descriptor, raw) }
                }.get()
            } catch {
                throw .systemCall(operation: error.operation, path: relative, errno: error.errno)
            }
        }
    }

    /// Writes a file below it atomically, its content streamed by `body` into the descriptor given.
    func write(_ relative: [UInt8], mode: UInt32 = 0o644, _ body: (Int32) throws(LayerpinError) -> Void)
        throws(LayerpinError)
    {
        do {
            try FileSystem.writeAtomically(at: rawValue, relative, mode: mode, body)
        } catch {
            switch error {
            case .system(let call): throw .systemCall(operation: call.operation, path: relative, errno: call.errno)
            case .body(let failure): throw failure
            }
        }
    }
}

extension OpenDirectory {
    /// Whether an entry of that name exists below it (a symlink counts, followed or not).
    func contains(_ relative: [UInt8]) -> Bool {
        (try? FileSystem.linkStatus(at: rawValue, relative)) != nil
    }

    /// Removes the temporary files a killed run left in a directory below it (`NAME.tmp.DIGITS`,
    /// regular files not written to for `age` seconds: a concurrent run's file in the making is
    /// younger). Best effort: what cannot be listed or removed stays.
    func removeStaleTemporaryFiles(in relative: [UInt8], olderThan age: Int64 = 60) {
        guard let directory = try? OpenDirectory(at: self, relative),
            let children = try? FileSystem.listing(inDirectory: directory.rawValue)
        else { return }
        let now = Int64(Date().timeIntervalSince1970)
        for index in children.indices {
            let name = children.name(at: index)
            guard FileSystem.isTemporaryName(name), case .success(let status) = children.status(at: index),
                status.isRegular, status.stamp.mtimeNanoseconds / 1_000_000_000 < now - age
            else { continue }
            FileSystem.unlink(at: directory.rawValue, name)
        }
    }
}

/// Files the user names on the command line (relative to the current directory): the executable's
/// one way to read and write them, with the core's errors and atomic writes. A symlink the user
/// names is followed, as every other tool follows it.
package enum NamedFile {
    /// The whole file; a missing one is ENOENT, a directory EISDIR, naming the path.
    package static func read(_ path: String, limit: Int = 16 << 20) throws(LayerpinError) -> [UInt8] {
        let bytes: [UInt8]?
        do {
            bytes = try FileSystem.readSmallFile(
                at: FileSystem.currentDirectoryDescriptor, Array(path.utf8), limit: limit, followingSymlinks: true)
        } catch {
            throw .systemCall(operation: error.operation, path: Array(path.utf8), errno: error.errno)
        }
        guard let bytes else {
            throw .systemCall(operation: "open", path: Array(path.utf8), errno: FileSystem.noSuchFile)
        }
        return bytes
    }

    /// Whether something exists at `path`.
    package static func exists(_ path: String) -> Bool {
        (try? FileSystem.linkStatus(at: FileSystem.currentDirectoryDescriptor, Array(path.utf8))) != nil
    }

    /// Writes `path` atomically: through an exclusive temporary name beside it and a rename.
    package static func write(_ path: String, _ bytes: [UInt8]) throws(LayerpinError) {
        do {
            try FileSystem.writeAtomically(at: FileSystem.currentDirectoryDescriptor, Array(path.utf8), bytes)
        } catch {
            throw .systemCall(operation: error.operation, path: Array(path.utf8), errno: error.errno)
        }
    }
}

extension OpenDirectory {
    /// A directory below it, reached as if it were the root of a file system (a `chroot`): each
    /// symlink on the way is resolved inside it, an absolute target from this directory and `..`
    /// never above it, with at most 40 links. An unpacked image's `/app -> /srv/app` is followed to
    /// its own `srv/app`, never to the host's. Nil when the path does not lead to a directory.
    func openDirectoryBeneath(_ path: [UInt8]) throws(LayerpinError) -> OpenDirectory? {
        guard let resolved = resolveBeneath(path) else { return nil }
        guard !resolved.isEmpty else { return try OpenDirectory(at: self, [UInt8](".".utf8)) }
        return try? OpenDirectory(at: self, resolved)
    }

    /// Whether `path` is a directory below this one, reached through its symlinks inside it.
    func holdsDirectory(_ path: [UInt8]) -> Bool {
        guard let resolved = resolveBeneath(path) else { return false }
        guard !resolved.isEmpty else { return true }
        return (try? FileSystem.linkStatus(at: rawValue, resolved))?.isDirectory == true
    }

    /// `path` with every symlink among its components resolved inside this directory (the last
    /// component too); nil when a component is missing or the links go round.
    func resolveBeneath(_ path: [UInt8]) -> [UInt8]? {
        LinkResolution.resolve(path, missingIsAnError: true) { candidate in
            guard let status = try? FileSystem.linkStatus(at: rawValue, candidate) else { return .missing }
            guard status.isSymlink else { return .notALink }
            guard let target = try? FileSystem.linkTarget(at: rawValue, candidate, sizeHint: Int(status.size)) else {
                return .missing
            }
            return .link(target: target)
        }
    }

    /// Opens a directory below `parent` (relative, already resolved), refusing a symlink in its last
    /// component.
    init(at parent: borrowing OpenDirectory, _ relative: [UInt8]) throws(LayerpinError) {
        do {
            descriptor = try FileSystem.openDirectory(at: parent.rawValue, relative)
        } catch {
            throw .systemCall(operation: error.operation, path: relative, errno: error.errno)
        }
        path = parent.path + "/" + String(decoding: relative, as: UTF8.self)
    }
}
