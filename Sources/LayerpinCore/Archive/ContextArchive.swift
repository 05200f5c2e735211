import LayerpinArchive
import LayerpinDigest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The build context as a deterministic tar: exactly the entries `context --list` prints (plus the
/// Dockerfile when the context would not carry it, less layerpin's stat cache
/// `.layerpin/cache`), in path-byte order, every mtime the same,
/// uid/gid 0 without names, modes normalised as the digest spec does (files 0644 or 0755,
/// directories 0755, symlinks 0777). The same content gives the same bytes on any machine.
///
/// Each file is hashed while it is written; given the planned manifest, every digest must equal
/// the planned one: the archive holds exactly what was planned, or writing fails naming the file.
public struct ContextArchive: Sendable {
    public var root: String
    public var dockerfile: String?
    /// Seconds since the epoch for every entry.
    public var mtime: Int64
    public var gzip: Bool

    public init(root: String, dockerfile: String? = nil, mtime: Int64, gzip: Bool = false) {
        self.root = root
        self.dockerfile = dockerfile
        self.mtime = mtime
        self.gzip = gzip
    }

    /// The mtime the archive uses: the commit time of HEAD, else `SOURCE_DATE_EPOCH`, else 0.
    public static func mtime(root: String, environment: [String: String], runner: ToolRunner = ToolRunner()) -> Int64 {
        mtime(commitTime: GitInfo.headCommitTime(root: root, runner: runner), environment: environment)
    }

    static func mtime(commitTime: String?, environment: [String: String]) -> Int64 {
        if let commitTime, let seconds = ISO8601Seconds.parse(commitTime) { return seconds }
        if let epoch = environment["SOURCE_DATE_EPOCH"], let seconds = Int64(epoch), seconds >= 0 { return seconds }
        return 0
    }

    /// Writes the archive to `path` through a temporary name and a rename.
    public func write(toFile path: String) throws(LayerpinError) {
        // Walk first, so a target inside the context is not part of its own archive.
        let entries = try prepare()
        let temporary = path + ".tmp.\(getpid())"
        let descriptor: Int32
        do {
            descriptor = try FileSystem.create(Array(temporary.utf8))
        } catch {
            throw .systemCall(operation: error.operation, path: Array(temporary.utf8), errno: error.errno)
        }
        do throws(LayerpinError) {
            try emit(entries, to: descriptor, expecting: nil)
        } catch {
            FileSystem.close(descriptor)
            FileSystem.unlink(Array(temporary.utf8))
            throw error
        }
        FileSystem.close(descriptor)
        do {
            try FileSystem.rename(Array(temporary.utf8), to: Array(path.utf8))
        } catch {
            FileSystem.unlink(Array(temporary.utf8))
            throw .systemCall(operation: error.operation, path: Array(path.utf8), errno: error.errno)
        }
    }

    /// Writes the archive to `descriptor`. With `manifest`, every file written must have the digest
    /// the manifest records for it (what was planned is what is built), else nothing more is
    /// written and the error names the file.
    public func write(to descriptor: Int32, matching manifest: Manifest? = nil) throws(LayerpinError) {
        var expected: [[UInt8]: Digest]?
        if let manifest {
            expected = [:]
            for entry in manifest.entries where entry.kind == .file { expected?[entry.path] = entry.sha256 }
        }
        try emit(try prepare(), to: descriptor, expecting: expected)
    }

    /// The entries to archive: the context as walked, less the stat cache, plus the Dockerfile
    /// when the context lacks it (`docker build -` reads it from the archive).
    func prepare() throws(LayerpinError) -> [ContextEntry] {
        let rootDescriptor = try BuildContext.openRoot(root)
        defer { FileSystem.close(rootDescriptor) }
        let context = try BuildContext.scan(root: root, dockerfile: dockerfile)
        // layerpin's own stat cache differs from machine to machine and no image needs it.
        var entries = context.entries.filter { !RawPath.isWithin($0.path, StatCache.path) }
        let dockerfilePath = Array((dockerfile ?? "Dockerfile").utf8)
        if dockerfilePath.first != RawPath.separator, !entries.contains(where: { $0.path == dockerfilePath }),
            let bytes = try BuildContext.readFile(dockerfilePath, root: rootDescriptor)
        {
            entries.append(ContextEntry(path: dockerfilePath, kind: .file, mode: 0o100644, size: Int64(bytes.count)))
            entries.sort { RawPath.precedes($0.path, $1.path) }
        }
        return entries
    }

    func emit(_ entries: [ContextEntry], to descriptor: Int32, expecting expected: [[UInt8]: Digest]?)
        throws(LayerpinError)
    {
        let rootDescriptor = try BuildContext.openRoot(root)
        defer { FileSystem.close(rootDescriptor) }
        try LayerpinError.mappingArchiveErrors {
            let writer = try TarWriter(fileDescriptor: descriptor, gzip: gzip)
            let hasher = SHA256Hasher()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { buffer.deallocate() }
            for entry in entries {
                let digest = try writeEntry(entry, writer: writer, root: rootDescriptor, hasher: hasher, buffer: buffer)
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
        let descriptor: Int32
        do {
            descriptor = try FileSystem.openFile(at: root, entry.path)
        } catch {
            throw LayerpinError.systemCall(operation: error.operation, path: entry.path, errno: error.errno)
        }
        defer { FileSystem.close(descriptor) }
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

/// Whole seconds of an ISO 8601 timestamp with an offset (git's `%cI`: `2026-11-25T15:04:05+01:00`).
enum ISO8601Seconds {
    static func parse(_ text: String) -> Int64? {
        let scalars = Array(text.utf8)
        guard scalars.count >= 20 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int64? {
            Int64(String(decoding: scalars[start..<start + length], as: UTF8.self))
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var offset: Int64 = 0
        let zone = scalars[19...]
        if zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"), zone.count >= 6,
            let hours = number(20, 2), let minutes = number(23, 2)
        {
            offset = (hours * 3600 + minutes * 60) * (zone.first == UInt8(ascii: "-") ? -1 : 1)
        } else if zone.first != UInt8(ascii: "Z") {
            return nil
        }
        // Days from the civil date (proleptic Gregorian), as in Howard Hinnant's algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return days * 86400 + hour * 3600 + minute * 60 + second - offset
    }
}
