import LayerpinDigest

/// The stat cache in `.layerpin/cache`, like git's index: for each file, the `lstat` fields it was
/// hashed under and the digest. A file whose fields still match reuses the digest, except a "racy"
/// one whose mtime is not older than the cache file itself (it may have changed within the same
/// clock tick after it was hashed): that one is hashed again.
///
/// Records are kept sorted by path bytes, the order of the walk, so a whole tree is looked up in
/// one merge pass (no hashing of paths).
///
/// Format (little-endian): magic `LPSTAT1\n`, then per record, in path order: path length (u32),
/// path bytes, size (i64), mtime ns (i64), ctime ns (i64), inode (u64), mode (u32), 32 digest bytes.
struct StatCache {
    struct Record: Equatable {
        var size: Int64
        var mtimeNanoseconds: Int64
        var ctimeNanoseconds: Int64
        var inode: UInt64
        var mode: UInt32
        var digest: Digest

        init(size: Int64, mtimeNanoseconds: Int64, ctimeNanoseconds: Int64, inode: UInt64, mode: UInt32, digest: Digest)
        {
            self.size = size
            self.mtimeNanoseconds = mtimeNanoseconds
            self.ctimeNanoseconds = ctimeNanoseconds
            self.inode = inode
            self.mode = mode
            self.digest = digest
        }

        /// The record of an entry hashed to `digest`.
        init(_ entry: ContextEntry, digest: Digest) {
            self.init(
                size: entry.size, mtimeNanoseconds: entry.mtimeNanoseconds, ctimeNanoseconds: entry.ctimeNanoseconds,
                inode: entry.inode, mode: entry.mode, digest: digest)
        }

        func matches(_ entry: ContextEntry, writtenAt: Int64) -> Bool {
            size == entry.size && mtimeNanoseconds == entry.mtimeNanoseconds
                && ctimeNanoseconds == entry.ctimeNanoseconds && inode == entry.inode && mode == entry.mode
                && entry.mtimeNanoseconds < writtenAt
        }
    }

    static let magic = Array("LPSTAT1\n".utf8)
    static let directory = Array(".layerpin".utf8)
    static let path = Array(".layerpin/cache".utf8)

    /// Paths, sorted by bytes; `records[i]` belongs to `paths[i]`.
    private(set) var paths: [[UInt8]] = []
    private(set) var records: [Record] = []
    /// The cache file's own mtime: entries not older than this are racy.
    var writtenAtNanoseconds: Int64 = .min

    var count: Int { paths.count }

    init() {}

    /// A cache of `records` in any order.
    init(records unordered: [([UInt8], Record)]) {
        let sorted = unordered.sorted { RawPath.precedes($0.0, $1.0) }
        paths = sorted.map(\.0)
        records = sorted.map(\.1)
    }

    /// Appends a record; paths must come in increasing order.
    mutating func append(_ path: [UInt8], _ record: Record) {
        precondition(paths.last.map { RawPath.precedes($0, path) } ?? true, "stat cache records out of order")
        paths.append(path)
        records.append(record)
    }

    /// The digest recorded for one entry, when its fields match and it is not racy.
    func digest(for entry: ContextEntry) -> Digest? {
        var low = 0
        var high = paths.count
        while low < high {
            let middle = (low + high) / 2
            if RawPath.precedes(paths[middle], entry.path) { low = middle + 1 } else { high = middle }
        }
        guard low < paths.count, paths[low] == entry.path, records[low].matches(entry, writtenAt: writtenAtNanoseconds)
        else { return nil }
        return records[low].digest
    }

    /// The recorded digests of entries sorted by path, in one merge pass.
    func digests(forSorted entries: [ContextEntry]) -> [Digest?] {
        var result = [Digest?](repeating: nil, count: entries.count)
        var cursor = 0
        for (index, entry) in entries.enumerated() where entry.kind == .file {
            while cursor < paths.count && RawPath.precedes(paths[cursor], entry.path) { cursor += 1 }
            guard cursor < paths.count, paths[cursor] == entry.path else { continue }
            if records[cursor].matches(entry, writtenAt: writtenAtNanoseconds) {
                result[index] = records[cursor].digest
            }
        }
        return result
    }

    /// Loads the cache under `root`; an absent, unreadable or malformed cache is an empty one.
    static func load(root: Int32) -> StatCache {
        guard let descriptor = try? FileSystem.openFile(at: root, path) else { return StatCache() }
        defer { FileSystem.close(descriptor) }
        guard let status = try? FileSystem.status(of: descriptor), status.isRegular,
            let bytes = try? FileSystem.readSmallFile(at: root, path, limit: 1 << 30), bytes.starts(with: magic)
        else { return StatCache() }
        var cache = StatCache()
        cache.writtenAtNanoseconds = status.mtimeNanoseconds
        var reader = ByteReader(bytes: bytes, offset: magic.count)
        while !reader.atEnd {
            guard let length = reader.u32(), let name = reader.bytes(Int(length)),
                let size = reader.u64(), let mtime = reader.u64(), let ctime = reader.u64(),
                let inode = reader.u64(), let mode = reader.u32(), let digest = reader.digest(),
                cache.paths.last.map({ RawPath.precedes($0, name) }) ?? true
            else { return StatCache() }
            cache.paths.append(name)
            cache.records.append(
                Record(
                    size: Int64(bitPattern: size), mtimeNanoseconds: Int64(bitPattern: mtime),
                    ctimeNanoseconds: Int64(bitPattern: ctime), inode: inode, mode: mode,
                    digest: digest))
        }
        return cache
    }

    /// Writes the cache under `root` atomically (creating `.layerpin/`).
    func write(root: Int32) throws(FileSystem.CallError) {
        var out = Self.magic
        out.reserveCapacity(paths.reduce(0) { $0 + $1.count + 80 } + out.count)
        for (path, record) in zip(paths, records) {
            append(UInt32(path.count), to: &out)
            out += path
            append(UInt64(bitPattern: record.size), to: &out)
            append(UInt64(bitPattern: record.mtimeNanoseconds), to: &out)
            append(UInt64(bitPattern: record.ctimeNanoseconds), to: &out)
            append(record.inode, to: &out)
            append(record.mode, to: &out)
            out += record.digest.bytes
        }
        try FileSystem.makeDirectory(at: root, Self.directory)
        try FileSystem.writeAtomically(at: root, Self.path, out)
    }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }
}

/// Reads little-endian fields from a byte array; nil past the end.
private struct ByteReader {
    var bytes: [UInt8]
    var offset: Int

    var atEnd: Bool { offset >= bytes.count }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func digest() -> Digest? {
        guard offset + 32 <= bytes.count else { return nil }
        defer { offset += 32 }
        return bytes.withUnsafeBytes { Digest(unsafeBytes: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + 32])) }
    }

    mutating func u32() -> UInt32? { integer() }
    mutating func u64() -> UInt64? { integer() }

    private mutating func integer<T: FixedWidthInteger>() -> T? {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { return nil }
        var value: T = 0
        for index in (offset..<offset + size).reversed() {
            value = value << 8 | T(bytes[index])
        }
        offset += size
        return value
    }
}
