import LayerpinArchive
import LayerpinDigest
import LayerpinIgnore

/// The build context as a deterministic tar: exactly the entries `context --list` prints (plus the
/// Dockerfile when the context would not carry it, less a stat cache an older version left in
/// `.layerpin/cache`), in path-byte order, every mtime the same,
/// uid/gid 0 without names, modes normalised as the digest spec does (files 0644 or 0755,
/// directories 0755, symlinks 0777). The same content gives the same bytes on any machine.
///
/// Each file is hashed while it is written; given the planned manifest, every digest must equal
/// the planned one: the archive holds exactly what was planned, or writing fails naming the file.
package struct ContextArchive: Sendable {
    package var root: String
    package var dockerfile: String?
    /// Whose `.dockerignore` walk chooses the entries.
    package var generation: EngineGeneration
    /// Where the plan was written, relative to the root: its files travel as `.layerpin/…`, where
    /// the pinned Dockerfile copies them from (a compose service sharing its context has its own).
    package var planOutputs: String = Planner.defaultOutputs
    /// Whether a Dockerfile the context leaves out travels in the archive (`docker build -` reads
    /// it from there); off when the archive is unpacked as a directory context and the Dockerfile
    /// is given beside it, as `docker build -f FILE DIR` gives it.
    package var carriesExcludedDockerfile = true
    /// Seconds since the epoch for every entry.
    package var mtime: Int64
    package var gzip: Bool

    package init(
        root: String, dockerfile: String? = nil, generation: EngineGeneration, mtime: Int64, gzip: Bool = false
    ) {
        self.root = root
        self.dockerfile = dockerfile
        self.generation = generation
        self.mtime = mtime
        self.gzip = gzip
    }

    /// The mtime the archive uses: the commit time of HEAD, else `SOURCE_DATE_EPOCH`, else 0.
    package static func mtime(root: String, environment: [String: String], runner: ToolRunner = ToolRunner()) -> Int64 {
        mtime(commitTime: GitInfo.headCommitTime(root: root, runner: runner), environment: environment)
    }

    static func mtime(commitTime: String?, environment: [String: String]) -> Int64 {
        if let commitTime, let seconds = ISO8601Seconds.parse(commitTime) { return seconds }
        if let epoch = environment["SOURCE_DATE_EPOCH"], let seconds = Int64(epoch), seconds >= 0 { return seconds }
        return 0
    }

    /// Writes the archive to `path` (relative to the current directory) through a temporary name
    /// and a rename.
    package func write(toFile path: String) throws(LayerpinError) {
        let rootDirectory = try OpenDirectory(root)
        // Walk first, so a target inside the context is not part of its own archive.
        let entries = try prepare(in: rootDirectory)
        do {
            try FileSystem.writeAtomically(at: FileSystem.currentDirectoryDescriptor, Array(path.utf8)) {
                descriptor throws(LayerpinError) in
                try emit(entries, to: descriptor, from: rootDirectory, expecting: nil)
            }
        } catch {
            switch error {
            case .system(let call):
                throw .systemCall(operation: call.operation, path: Array(path.utf8), errno: call.errno)
            case .body(let failure): throw failure
            }
        }
    }

    /// Writes the archive to `descriptor`. With `manifest`, every file written must have the digest
    /// the manifest records for it (what was planned is what is built), else nothing more is
    /// written and the error names the file.
    package func write(to descriptor: Int32, matching manifest: Manifest? = nil) throws(LayerpinError) {
        try write(to: descriptor, matching: manifest, from: try OpenDirectory(root))
    }

    /// Writes the archive of an open root to `descriptor` (see `write(to:matching:)`).
    func write(to descriptor: Int32, matching manifest: Manifest?, from rootDirectory: borrowing OpenDirectory)
        throws(LayerpinError)
    {
        var expected: [[UInt8]: Digest]?
        if let manifest {
            expected = [:]
            for entry in manifest.entries where entry.kind == .file { expected?[entry.path] = entry.sha256 }
        }
        try emit(try prepare(in: rootDirectory), to: descriptor, from: rootDirectory, expecting: expected)
    }

    /// Where the archive carries a Dockerfile the context leaves out (`docker build -` reads the
    /// Dockerfile from the archive): under `.layerpin/`, which no verifier counts, never at its own
    /// path, where `COPY . .` would put it into the image although `docker build DIR` does not.
    package static let transportedDockerfile = ".layerpin/Dockerfile"

    /// The entries to archive: the context as walked, less the stat cache, plus the Dockerfile
    /// when the context leaves it out (at `transportedDockerfile`).
    func prepare(in rootDirectory: borrowing OpenDirectory) throws(LayerpinError) -> [ContextEntry] {
        let context = try BuildContext.scan(in: rootDirectory, dockerfile: dockerfile, generation: generation)
        // layerpin's own stat cache differs from machine to machine and no image needs it.
        // Nor a temporary file a killed run left in .layerpin/ (the next plan removes it).
        var entries = context.entries.filter { entry in
            !RawPath.isWithin(entry.path, StatCache.legacyPath)
                && !(RawPath.isWithin(entry.path, StatCache.directory)
                    && FileSystem.isTemporaryName(Array(entry.path.split(separator: RawPath.separator).last ?? [])))
        }
        if planOutputs != Planner.defaultOutputs {
            let planned = Self.planFiles.map { Array((Planner.defaultOutputs + "/" + $0).utf8) }
            entries.removeAll { planned.contains($0.path) }
            if !entries.contains(where: { $0.path == StatCache.directory }) {
                entries.append(ContextEntry(path: StatCache.directory, kind: .directory, mode: 0o040755, size: 0))
            }
            for (name, path) in zip(Self.planFiles, planned) {
                let source = Array((planOutputs + "/" + name).utf8)
                let status: FileSystem.Status
                do {
                    status = try FileSystem.linkStatus(at: rootDirectory.rawValue, source)
                } catch {
                    throw .systemCall(operation: error.operation, path: source, errno: error.errno)
                }
                entries.append(ContextEntry(path: path, kind: .file, mode: status.mode, size: status.size))
            }
            entries.sort { RawPath.precedes($0.path, $1.path) }
        }
        let dockerfilePath = Array((dockerfile ?? "Dockerfile").utf8)
        if carriesExcludedDockerfile, dockerfilePath.first != RawPath.separator,
            context.matcher.isExcluded(dockerfilePath),
            let bytes = try rootDirectory.read(dockerfilePath)
        {
            if !entries.contains(where: { $0.path == StatCache.directory }) {
                entries.append(ContextEntry(path: StatCache.directory, kind: .directory, mode: 0o040755, size: 0))
            }
            entries.append(
                ContextEntry(
                    path: Array(Self.transportedDockerfile.utf8), kind: .file, mode: 0o100644, size: Int64(bytes.count))
            )
            entries.sort { RawPath.precedes($0.path, $1.path) }
        }
        return entries
    }

    /// The files of a plan, as `Planner.write` names them.
    static let planFiles = [Planner.buildArgsFile, Planner.manifestFile, Planner.verifierFile]

    /// Where an archive entry's bytes are read from: a plan file from the plan's own directory.
    private func source(of path: [UInt8]) -> [UInt8] {
        if path == Array(Self.transportedDockerfile.utf8) { return Array((dockerfile ?? "Dockerfile").utf8) }
        guard planOutputs != Planner.defaultOutputs, RawPath.isWithin(path, StatCache.directory),
            let name = Self.planFiles.first(where: { Array((Planner.defaultOutputs + "/" + $0).utf8) == path })
        else { return path }
        return Array((planOutputs + "/" + name).utf8)
    }

    func emit(
        _ entries: [ContextEntry], to descriptor: Int32, from rootDirectory: borrowing OpenDirectory,
        expecting expected: [[UInt8]: Digest]?
    ) throws(LayerpinError) {
        let root = rootDirectory.rawValue
        try LayerpinError.mappingArchiveErrors {
            let writer = try TarWriter(fileDescriptor: descriptor, gzip: gzip)
            let hasher = SHA256Hasher()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { buffer.deallocate() }
            for entry in entries {
                let digest = try writeEntry(entry, writer: writer, root: root, hasher: hasher, buffer: buffer)
                if let expected, let digest, let planned = expected[entry.path], planned != digest {
                    throw LayerpinError.changedWhileHashing(path: entry.path)
                }
            }
            try writer.finish()
        }
    }

    /// Writes one entry; for a file, returns the SHA-256 of the bytes written.
    private func writeEntry(
        _ entry: ContextEntry, writer: TarWriter, root: Int32, hasher: SHA256Hasher,
        buffer: UnsafeMutableRawBufferPointer
    ) throws -> Digest? {
        let permissions: UInt32 =
            switch entry.kind {
            case .directory: 0o755
            case .symlink: 0o777
            case .file: entry.isExecutable ? 0o755 : 0o644
            }
        let kind: ArchiveEntryKind = entry.kind == .file ? .file : entry.kind == .directory ? .directory : .symlink
        try writer.append(
            ArchiveEntryHeader(
                path: entry.path, kind: kind, permissions: permissions, size: entry.size, mtime: mtime,
                linkTarget: entry.linkTarget))
        guard entry.kind == .file else { return nil }
        let file: FileDescriptor
        do {
            file = try FileSystem.openFileBeneath(at: root, source(of: entry.path))
        } catch  where error.isSymlinkOnPath {
            throw LayerpinError.changedWhileHashing(path: entry.path)  // a directory above it became a symlink
        } catch {
            throw LayerpinError.systemCall(operation: error.operation, path: entry.path, errno: error.errno)
        }
        let descriptor = file.rawValue
        // The very file the walk listed, never another one put in its place since.
        if entry.stamp.inode != 0 {
            let opened: FileSystem.Status
            do {
                opened = try FileSystem.status(of: descriptor)
            } catch {
                throw LayerpinError.systemCall(operation: error.operation, path: entry.path, errno: error.errno)
            }
            guard opened.stamp.inode == entry.stamp.inode && opened.device == entry.device else {
                throw LayerpinError.changedWhileHashing(path: entry.path)
            }
        }
        var remaining = entry.size
        while remaining > 0 {
            let count: Int
            do {
                count = try FileSystem.read(
                    descriptor,
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(Int64(buffer.count), remaining))]))
            } catch {
                throw LayerpinError.systemCall(operation: error.operation, path: entry.path, errno: error.errno)
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            hasher.update(chunk)
            try writer.write(chunk)
            remaining -= Int64(count)
        }
        let digest = hasher.finalize()
        // The header promised `size` bytes: a shorter file changed since the walk.
        guard remaining == 0 else { throw LayerpinError.changedWhileHashing(path: entry.path) }
        return digest
    }
}
