import Foundation
import LayerpinDigest

/// The stat cache (kept outside the context, at its `Location`), like git's index: for each file, the `lstat` fields it was
/// hashed under and the digest. A file whose fields still match reuses the digest, except a "racy"
/// one whose mtime is not older than the cache file itself (it may have changed within the same
/// clock tick after it was hashed): that one is hashed again.
///
/// Records are kept sorted by path bytes, the order of the walk, so a whole tree is looked up in
/// one merge pass (no hashing of paths). The cache stays in its file format in memory (one buffer
/// and one offset per record): loading it is one read and one validating pass, with no allocation
/// per record.
///
/// Format (little-endian): magic `LPSTAT2\n`, then per record, in path order: path length (u32),
/// path bytes, size (i64), mtime ns (i64), ctime ns (i64), inode (u64), mode (u32), 32 digest bytes;
/// last, the SHA-256 of everything before it, so a damaged file (a bit flip, a torn write) is
/// discarded and rebuilt, never trusted.
struct StatCache {
    struct Record: Equatable {
        var stamp: StatStamp
        var digest: Digest

        func matches(_ entry: ContextEntry, writtenAt: Int64) -> Bool {
            stamp == entry.stamp && entry.stamp.mtimeNanoseconds < writtenAt
        }
    }

    static let magic = Array("LPSTAT2\n".utf8)
    /// What every version's magic starts with: an older cache is rebuilt without a word.
    static let magicFamily = Array("LPSTAT".utf8)
    static let directory = Array(".layerpin".utf8)
    /// Where versions before the cache moved out of the context kept it: removed when a cache is
    /// written, so a plain `docker build DIR` no longer copies it.
    static let legacyPath = Array(".layerpin/cache".utf8)
    /// Bytes of a record after its path: size, mtime, ctime, inode, mode, digest.
    private static let fieldsSize = 8 * 4 + 4 + 32

    /// The file's bytes: the magic, then the records.
    private var bytes: [UInt8] = magic
    /// Where each record (its path length) starts in `bytes`, in path order.
    private var starts: [Int] = []
    /// The cache file's own mtime: entries not older than this are racy.
    var writtenAtNanoseconds: Int64 = .min

    var count: Int { starts.count }

    init() {}

    /// A cache of `records` in any order.
    init(records unordered: [([UInt8], Record)]) {
        for (path, record) in unordered.sorted(by: { RawPath.precedes($0.0, $1.0) }) {
            append(path, record)
        }
    }

    /// The recorded paths, in order: a copy of each, for inspection (tests); lookups go through
    /// `digests(forSorted:)`.
    var paths: [[UInt8]] { starts.indices.map { index in withPath(index) { Array($0) } } }
    /// The records, in path order, decoded for inspection (tests).
    var records: [Record] { starts.indices.map(record) }

    /// Appends a record; paths must come in increasing order.
    mutating func append(_ path: [UInt8], _ record: Record) {
        precondition(
            starts.isEmpty
                || withPath(starts.count - 1) { last in path.withUnsafeBufferPointer { TreeListing.order(last, $0) < 0 }
                }, "stat cache records out of order"
        )
        starts.append(bytes.count)
        appendInteger(UInt32(path.count))
        bytes += path
        appendInteger(UInt64(bitPattern: record.stamp.size))
        appendInteger(UInt64(bitPattern: record.stamp.mtimeNanoseconds))
        appendInteger(UInt64(bitPattern: record.stamp.ctimeNanoseconds))
        appendInteger(record.stamp.inode)
        appendInteger(record.stamp.mode)
        bytes += record.digest.bytes
    }

    /// The recorded digests of entries sorted by path, in one merge pass.
    func digests(forSorted entries: [ContextEntry]) -> [Digest?] {
        var result = [Digest?](repeating: nil, count: entries.count)
        var cursor = 0
        for index in entries.indices where entries[index].kind == .file {
            var order = 1
            entries[index].path.withUnsafeBufferPointer { path in
                while cursor < starts.count {
                    order = withPath(cursor) { TreeListing.order($0, path) }
                    if order >= 0 { break }
                    cursor += 1
                }
            }
            guard order == 0 else { continue }
            let record = record(cursor)
            if record.matches(entries[index], writtenAt: writtenAtNanoseconds) { result[index] = record.digest }
        }
        return result
    }

    /// How loading went: a damaged cache is worth saying once.
    enum Loaded: Equatable {
        case absent, loaded, outdated, damaged
    }

    /// Loads the cache at `location`; an absent, unreadable, outdated or damaged cache is an empty one.
    static func load(at location: Location?) -> StatCache { loading(at: location).cache }

    /// Loads the cache at `location`, and says how that went.
    static func loading(at location: Location?) -> (cache: StatCache, outcome: Loaded) {
        guard let location, let directory = try? OpenDirectory(location.directory) else {
            return (StatCache(), .absent)
        }
        let status: FileSystem.Status
        let bytes: [UInt8]
        do throws(FileSystem.CallError) {
            let file = try FileSystem.openFile(at: directory.rawValue, Array(location.name.utf8))
            status = try FileSystem.status(of: file.rawValue)
            bytes = try FileSystem.readWhole(file.rawValue, status: status, limit: 1 << 30)
        } catch {
            return (StatCache(), error.errno == FileSystem.noSuchFile ? .absent : .damaged)
        }
        guard bytes.starts(with: magic) else {
            return (StatCache(), bytes.starts(with: magicFamily) ? .outdated : .damaged)
        }
        guard bytes.count >= magic.count + 32,
            SHA256Hasher.digest(of: Array(bytes.dropLast(32))).bytes == Array(bytes.suffix(32))
        else { return (StatCache(), .damaged) }
        guard let cache = parse(Array(bytes.dropLast(32)), writtenAt: status.stamp.mtimeNanoseconds) else {
            return (StatCache(), .damaged)
        }
        return (cache, .loaded)
    }

    /// The records of a cache file's body (magic and records, without the checksum); nil when they
    /// are malformed: out of order, repeated, or running past the end.
    static func parse(_ bytes: [UInt8], writtenAt: Int64) -> StatCache? {
        var cache = StatCache()
        cache.bytes = bytes
        cache.writtenAtNanoseconds = writtenAt
        var offset = magic.count
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { return nil }
            let length = Int(cache.integer(UInt32.self, at: offset))
            guard length <= bytes.count - offset - 4 - fieldsSize else { return nil }
            cache.starts.append(offset)
            if cache.starts.count > 1 {
                let ordered = cache.withPath(cache.starts.count - 2) { previous in
                    cache.withPath(cache.starts.count - 1) { TreeListing.order(previous, $0) < 0 }
                }
                guard ordered else { return nil }
            }
            offset += 4 + length + fieldsSize
        }
        return cache
    }

    /// A body (magic and records) with its checksum: the bytes of the file.
    static func sealed(_ body: [UInt8]) -> [UInt8] {
        body + SHA256Hasher.digest(of: body).bytes
    }

    /// Writes the cache at `location` atomically (making its directory), and removes a cache an
    /// older version left inside the context at `root`.
    func write(at location: Location, contextRoot root: Int32) throws(LayerpinError) {
        do {
            try FileManager.default.createDirectory(
                atPath: location.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .systemCall(operation: "mkdir", path: Array(location.directory.utf8), errno: FileSystem.noSuchFile)
        }
        let directory = try OpenDirectory(location.directory)
        do {
            try FileSystem.writeAtomically(at: directory.rawValue, Array(location.name.utf8), Self.sealed(bytes))
        } catch {
            throw .systemCall(operation: error.operation, path: Array(location.path.utf8), errno: error.errno)
        }
        // Through `.layerpin` opened as a directory (never a link out of the context).
        if let plans = try? FileSystem.openDirectory(at: root, Self.directory) {
            FileSystem.unlink(at: plans.rawValue, Array("cache".utf8))
        }
    }

    /// Calls `body` with the path bytes of record `index`, in place.
    private func withPath<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        let start = starts[index]
        let length = Int(integer(UInt32.self, at: start))
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start + 4..<start + 4 + length])) }
    }

    /// The fixed fields of record `index`.
    private func record(_ index: Int) -> Record {
        let start = starts[index]
        let fields = start + 4 + Int(integer(UInt32.self, at: start))
        return Record(
            stamp: StatStamp(
                mode: integer(UInt32.self, at: fields + 32),
                size: Int64(bitPattern: integer(UInt64.self, at: fields)),
                mtimeNanoseconds: Int64(bitPattern: integer(UInt64.self, at: fields + 8)),
                ctimeNanoseconds: Int64(bitPattern: integer(UInt64.self, at: fields + 16)),
                inode: integer(UInt64.self, at: fields + 24)),
            digest: bytes.withUnsafeBytes {
                Digest(unsafeBytes: UnsafeRawBufferPointer(rebasing: $0[fields + 36..<fields + 68]))
            })
    }

    private func integer<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
