import LayerpinDigest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One entry of a build context as the walk found it: a file, a directory or a symlink.
package struct ContextEntry: Sendable, Hashable {
    /// Relative, `/`-separated path, raw bytes.
    package var path: [UInt8]
    package var kind: EntryKind
    /// What `lstat` said at walk time (or what was hashed, once hashed).
    package var stamp: StatStamp
    /// The device of the file system holding the entry (with the inode, its identity).
    package var device: UInt64
    /// A symlink's target, raw bytes; nil for other kinds.
    package var linkTarget: [UInt8]?

    /// The full `st_mode`.
    package var mode: UInt32 { stamp.mode }
    /// Bytes of a file; 0 for a directory; the target's length for a symlink.
    package var size: Int64 { stamp.size }
    /// The owner-executable bit of a file, the only permission bit the digest keeps.
    package var isExecutable: Bool { kind == .file && stamp.mode & 0o100 != 0 }

    package init(path: [UInt8], kind: EntryKind, stamp: StatStamp, device: UInt64 = 0, linkTarget: [UInt8]? = nil) {
        self.path = path
        self.kind = kind
        self.stamp = stamp
        self.device = device
        self.linkTarget = linkTarget
    }

    /// An entry with no `lstat` behind it (from git, or added to an archive).
    package init(path: [UInt8], kind: EntryKind, mode: UInt32, size: Int64, linkTarget: [UInt8]? = nil) {
        self.init(path: path, kind: kind, stamp: StatStamp(mode: mode, size: size), linkTarget: linkTarget)
    }
}

/// Byte-wise helpers for raw relative paths.
package enum RawPath {
    package static let separator = UInt8(ascii: "/")

    /// Byte order of two paths: the order of every listing.
    package static func precedes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        TreeListing.precedes(lhs, rhs)
    }

    /// `parent/child`, or `child` at the root.
    package static func join(_ parent: [UInt8], _ child: [UInt8]) -> [UInt8] {
        if parent.isEmpty { return child }
        return child.withUnsafeBufferPointer { join(parent, $0) }
    }

    /// `parent/child`, or `child` at the root, made in one allocation.
    static func join(_ parent: [UInt8], _ child: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let separator = parent.isEmpty ? 0 : 1
        return [UInt8](unsafeUninitializedCapacity: parent.count + separator + child.count) { buffer, count in
            if separator == 1 {
                parent.withUnsafeBufferPointer { buffer.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
                buffer[parent.count] = Self.separator
            }
            if let base = child.baseAddress {
                (buffer.baseAddress! + parent.count + separator).update(from: base, count: child.count)
            }
            count = buffer.count
        }
    }

    /// Whether `path` is `ancestor` itself or lies below it (compared by component, never by string
    /// prefix: `a/bc` is not below `a/b`).
    package static func isWithin(_ path: [UInt8], _ ancestor: [UInt8]) -> Bool {
        guard path.count >= ancestor.count else { return false }
        let samePrefix = path.withUnsafeBytes { pathBytes in
            ancestor.withUnsafeBytes { ancestorBytes in
                ancestorBytes.isEmpty
                    || memcmp(pathBytes.baseAddress!, ancestorBytes.baseAddress!, ancestorBytes.count) == 0
            }
        }
        return samePrefix && (path.count == ancestor.count || path[ancestor.count] == separator)
    }

    /// Whether `path` names an entry at the root (it holds no separator).
    package static func isTopLevel(_ path: [UInt8]) -> Bool {
        path.withUnsafeBytes { $0.isEmpty || memchr($0.baseAddress!, Int32(separator), $0.count) == nil }
    }

    /// The path for people: UTF-8 where it is valid, `\xNN` for other bytes and controls.
    package static func display(_ path: [UInt8]) -> String {
        var out = ""
        var index = 0
        while index < path.count {
            let byte = path[index]
            if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            if byte >= 0x80, let (scalar, length) = decodeScalar(path, at: index) {
                out.unicodeScalars.append(scalar)
                index += length
                continue
            }
            out += "\\x" + Hex.encode([byte])
            index += 1
        }
        return out
    }

    private static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        for length in 2...4 where index + length <= bytes.count {
            if let text = String(validating: bytes[index..<index + length], as: UTF8.self),
                text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first
            {
                return (scalar, length)
            }
        }
        return nil
    }
}
