#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The kind of a context entry, as the digest spec names it.
public enum EntryKind: String, Sendable, Codable, Hashable {
    case file
    case directory
    case symlink
}

/// One entry of a fingerprinted tree: what the digest spec's listing line is made of.
public struct FingerprintEntry: Sendable, Hashable {
    /// Relative, `/`-separated path, raw bytes.
    public var path: [UInt8]
    public var kind: EntryKind
    /// The owner-executable bit of a file (git's rule); always false for directories and symlinks.
    public var executable: Bool
    /// SHA-256 of the file's bytes or of the symlink's target string; nil for a directory.
    public var contentDigest: Digest?

    public init(path: [UInt8], kind: EntryKind, executable: Bool, contentDigest: Digest?) {
        self.path = path
        self.kind = kind
        self.executable = executable
        self.contentDigest = contentDigest
    }

    /// The git-style mode string of the listing: `040000`, `100644`, `100755` or `120000`.
    public var modeField: String { String(decoding: modeBytes, as: UTF8.self) }

    /// The mode field's bytes: a literal, so a listing line neither allocates nor shares a
    /// reference count across the threads that make listings.
    @inlinable var modeBytes: String.UTF8View {
        switch kind {
        case .directory: "040000".utf8
        case .symlink: "120000".utf8
        case .file: executable ? "100755".utf8 : "100644".utf8
        }
    }
}

/// The canonical listing of the digest spec (docs/digest-spec.md), version 1.
///
/// ```
/// layerpin-digest/v1\n
/// <mode> <sha256 hex or -> <encoded path>\n     one line per entry, sorted by raw path bytes
/// ```
/// The tree digest is `sha256:` + SHA-256 of the listing's bytes.
public enum TreeListing {
    /// The first line of every listing; bumped when any field changes.
    public static let header = "layerpin-digest/v1"

    /// The listing's bytes for entries in any order.
    public static func bytes(of entries: [FingerprintEntry]) -> [UInt8] {
        var out = Array((header + "\n").utf8)
        for entry in sortedIfNeeded(entries) { appendLine(for: entry, to: &out) }
        return out
    }

    /// The tree digest of entries in any order, streamed through SHA-256 a line at a time.
    public static func digest(of entries: [FingerprintEntry]) -> Digest {
        let hasher = Hasher()
        for entry in sortedIfNeeded(entries) { hasher.add(entry) }
        return hasher.finalize()
    }

    /// A listing digest fed line by line, for callers that digest several listings in one pass
    /// (each must add its lines in path order).
    public final class Hasher {
        private let sha = SHA256Hasher()
        /// Lines gathered before they go to SHA-256 in one call (many ~100-byte updates cost
        /// more), written in place: a line costs no allocation and no reference count.
        @usableFromInline let pending = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        @usableFromInline var used = 0

        public init() {
            add(Array((TreeListing.header + "\n").utf8))
        }

        deinit { pending.deallocate() }

        /// Adds the listing line of one entry. (Inlinable, with the line writer: a caller that walks
        /// a buffer of entries then lends each one in place instead of copying it for the call.)
        @inlinable @inline(__always) public func add(_ entry: FingerprintEntry) {
            let longest = TreeListing.longestLine(pathCount: entry.path.count)
            if used + longest > pending.count { flush() }
            guard longest <= pending.count else {
                var line: [UInt8] = []
                TreeListing.appendLine(for: entry, to: &line)
                return add(line)
            }
            used += TreeListing.writeLine(
                for: entry, to: pending.baseAddress!.assumingMemoryBound(to: UInt8.self) + used)
        }

        public func finalize() -> Digest {
            flush()
            return sha.finalize()
        }

        @usableFromInline func add(_ bytes: [UInt8]) {
            flush()
            bytes.withUnsafeBytes { sha.update($0) }
        }

        @usableFromInline func flush() {
            sha.update(UnsafeRawBufferPointer(rebasing: pending[..<used]))
            used = 0
        }
    }

    /// Appends the listing line of `entry`, newline included.
    @usableFromInline static func appendLine(for entry: FingerprintEntry, to out: inout [UInt8]) {
        out += [UInt8](unsafeUninitializedCapacity: longestLine(pathCount: entry.path.count)) { buffer, count in
            count = writeLine(for: entry, to: buffer.baseAddress!)
        }
    }

    /// The most bytes the line of a path of `pathCount` bytes can take: every byte escaped.
    @inlinable static func longestLine(pathCount: Int) -> Int { 6 + 1 + 64 + 1 + 3 * pathCount + 1 }

    /// Writes the listing line of `entry` (newline included) at `out`, which has room for
    /// `longestLine`; returns its length.
    @inlinable @inline(__always) static func writeLine(for entry: FingerprintEntry, to out: UnsafeMutablePointer<UInt8>)
        -> Int
    {
        var end = out
        for byte in entry.modeBytes {
            end.pointee = byte
            end += 1
        }
        end.pointee = UInt8(ascii: " ")
        end += 1
        if let digest = entry.contentDigest {
            digest.writeHex(to: end)
            end += 64
        } else {
            end.pointee = UInt8(ascii: "-")
            end += 1
        }
        end.pointee = UInt8(ascii: " ")
        end += 1
        end += writeEncoded(entry.path, to: end)
        end.pointee = UInt8(ascii: "\n")
        return end + 1 - out
    }

    /// Writes `encodePath(path)` at `out` (room for three bytes per path byte); returns its length.
    @inlinable @inline(__always) static func writeEncoded(_ path: [UInt8], to out: UnsafeMutablePointer<UInt8>) -> Int {
        var end = out
        path.withUnsafeBufferPointer { path in
            for byte in path {
                if needsEscape(byte) {
                    end[0] = UInt8(ascii: "%")
                    end[1] = Hex.digit(byte >> 4, .upper)
                    end[2] = Hex.digit(byte & 0xF, .upper)
                    end += 3
                } else {
                    end.pointee = byte
                    end += 1
                }
            }
        }
        return end - out
    }

    private static func sortedIfNeeded(_ entries: [FingerprintEntry]) -> [FingerprintEntry] {
        isSorted(entries) ? entries : entries.sorted { precedes($0.path, $1.path) }
    }

    /// Byte order of two raw paths (`memcmp`, then length), as `LC_ALL=C sort` orders them.
    @inlinable public static func precedes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs.withUnsafeBufferPointer { left in rhs.withUnsafeBufferPointer { order(left, $0) < 0 } }
    }

    /// The same order, three-way (negative, zero or positive), for paths in place.
    @inlinable public static func order(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(lhs.count, rhs.count)
        if common > 0, let left = lhs.baseAddress, let right = rhs.baseAddress {
            let order = memcmp(left, right, common)
            if order != 0 { return Int(order) }
        }
        return lhs.count - rhs.count
    }

    /// Whether entries are already in listing order (the walk's output usually is).
    public static func isSorted(_ entries: [FingerprintEntry]) -> Bool {
        zip(entries, entries.dropFirst()).allSatisfy { precedes($0.path, $1.path) }
    }

    /// Percent-encodes a raw path: bytes `!`..`~` except `%` stay as they are, every other byte
    /// (space, controls, newline, `%`, every byte >= 0x80) becomes `%XX` with upper-case hex.
    public static func encodePath(_ path: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 3 * path.count) { buffer, count in
            count = path.isEmpty ? 0 : writeEncoded(path, to: buffer.baseAddress!)
        }
    }

    @inlinable static func needsEscape(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte >= 0x7f || byte == UInt8(ascii: "%")
    }

    /// Reverses `encodePath`; nil when the text is not exactly what `encodePath` would write.
    public static func decodePath(_ text: [UInt8]) -> [UInt8]? {
        var out = [UInt8]()
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < text.count,
                    let high = Hex.value(of: text[index + 1], .upper), let low = Hex.value(of: text[index + 2], .upper)
                else { return nil }
                let decoded = high << 4 | low
                guard !(decoded > 0x20 && decoded < 0x7f && decoded != UInt8(ascii: "%")) else { return nil }
                out.append(decoded)
                index += 3
            } else if byte > 0x20 && byte < 0x7f {
                out.append(byte)
                index += 1
            } else {
                return nil
            }
        }
        return out
    }
}
