import LayerpinDigest

/// The stat cache in `.layerpin/cache`, like git's index: for each file, the `lstat` fields it was
/// hashed under and the digest. A file whose fields still match reuses the digest, except a "racy"
/// one whose mtime is not older than the cache file itself (it may have changed within the same
/// clock tick after it was hashed): that one is hashed again.
///
/// Format (little-endian): magic `LPSTAT1\n`, then per record: path length (u32), path bytes,
/// size (i64), mtime ns (i64), ctime ns (i64), inode (u64), mode (u32), 32 digest bytes.
struct StatCache {
    struct Record: Equatable {
        var size: Int64
        var mtimeNanoseconds: Int64
        var ctimeNanoseconds: Int64
        var inode: UInt64
        var mode: UInt32
        var digest: Digest
    }

    static let magic = Array("LPSTAT1\n".utf8)
    static let directory = Array(".layerpin".utf8)
    static let path = Array(".layerpin/cache".utf8)

    var records: [[UInt8]: Record] = [:]
    /// The cache file's own mtime: entries not older than this are racy.
    var writtenAtNanoseconds: Int64 = .min

    /// The digest recorded for an entry, when its fields match and it is not racy.
    func digest(for entry: ContextEntry) -> Digest? {
        guard let record = records[entry.path],
            record.size == entry.size, record.mtimeNanoseconds == entry.mtimeNanoseconds,
            record.ctimeNanoseconds == entry.ctimeNanoseconds, record.inode == entry.inode,
            record.mode == entry.mode, entry.mtimeNanoseconds < writtenAtNanoseconds
        else { return nil }
        return record.digest
    }

    /// Loads the cache under `root`; an absent, unreadable or malformed cache is an empty one.
    static func load(root: Int32) -> StatCache {
        guard let descriptor = try? FileSystem.openFile(at: root, path) else { return StatCache() }
        defer { FileSystem.close(descriptor) }
        guard let status = try? FileSystem.status(of: descriptor), status.isRegular,
            let bytes = try? FileSystem.readSmallFile(at: root, path, limit: 1 << 30)
        else { return StatCache() }
        var cache = StatCache(records: [:], writtenAtNanoseconds: status.mtimeNanoseconds)
        guard bytes.starts(with: magic) else { return StatCache() }
        var reader = ByteReader(bytes: bytes, offset: magic.count)
        while !reader.atEnd {
            guard let length = reader.u32(), let name = reader.bytes(Int(length)),
                let size = reader.u64(), let mtime = reader.u64(), let ctime = reader.u64(),
                let inode = reader.u64(), let mode = reader.u32(), let digest = reader.bytes(32)
            else { return StatCache() }
            cache.records[name] = Record(
                size: Int64(bitPattern: size), mtimeNanoseconds: Int64(bitPattern: mtime),
                ctimeNanoseconds: Int64(bitPattern: ctime), inode: inode, mode: mode,
                digest: Digest(sha256Bytes: digest))
        }
        return cache
    }

    /// Writes the cache under `root` atomically (creating `.layerpin/`).
    func write(root: Int32) throws(FileSystem.CallError) {
        var out = Self.magic
        for path in records.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let record = records[path]!
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
