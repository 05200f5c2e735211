import Dispatch
import LayerpinDigest
import LayerpinIgnore
import Synchronization

/// A context entry with its content hashed: what the digest spec's listing is made of, plus the
/// size (which is not part of the digest).
package struct HashedEntry: Sendable, Hashable {
    package var fingerprint: FingerprintEntry
    package var size: Int64
    /// A symlink's target, raw bytes.
    package var linkTarget: [UInt8]?

    /// The entry's path, lent in place (a copy would touch its reference count: an 80,000-entry
    /// context is walked through several times).
    package var path: [UInt8] { _read { yield fingerprint.path } }
}

/// The digest of one layer group (or of the whole context) and the entries it covers.
package struct GroupDigest: Sendable {
    package var name: String
    package var digest: Digest
    /// Every entry of the context, shared by all its groups, and the positions of this group's
    /// entries among them (nil: all of them): no group copies its entries.
    private let context: [HashedEntry]
    private let positions: [Int]?
    /// Number of entries in the group.
    package let count: Int
    /// Bytes of file content in the group.
    package let bytes: Int64

    /// Entries sorted by path bytes (gathered on each access: read it once).
    package var entries: [HashedEntry] { positions.map { $0.map { context[$0] } } ?? context }

    private init(name: String, context: [HashedEntry], positions: [Int]?, bytes: Int64, digest: Digest) {
        self.name = name
        self.context = context
        self.positions = positions
        self.count = positions?.count ?? context.count
        self.bytes = bytes
        self.digest = digest
    }

    /// The digests of several groups of entries sorted by path, and of all of them: the whole
    /// context's listing on one thread while the groups' listings are made on another.
    static func make(
        names: [String], owner: [Int?], entries: [HashedEntry], contextName: String
    ) -> (groups: [GroupDigest], context: GroupDigest) {
        let whole = Mutex<(Digest, Int64)?>(nil)
        let groups = Mutex<[GroupDigest]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                let hasher = TreeListing.Hasher()
                var bytes: Int64 = 0
                // Through the buffer: each entry is lent to the hasher in place, never copied.
                entries.withUnsafeBufferPointer { entries in
                    for index in entries.indices {
                        precondition(
                            index == 0
                                || RawPath.precedes(
                                    entries[index - 1].fingerprint.path, entries[index].fingerprint.path),
                            "entries must be in path order")
                        hasher.add(entries[index].fingerprint)
                        if entries[index].fingerprint.kind == .file { bytes += entries[index].size }
                    }
                }
                let digest = hasher.finalize()
                whole.withLock { $0 = (digest, bytes) }
            } else {
                let parts = names.map { _ in TreeListing.Hasher() }
                var positions = [[Int]](repeating: [], count: names.count)
                var bytes = [Int64](repeating: 0, count: names.count)
                entries.withUnsafeBufferPointer { entries in
                    for index in entries.indices {
                        guard let group = owner[index] else { continue }
                        parts[group].add(entries[index].fingerprint)
                        positions[group].append(index)
                        if entries[index].fingerprint.kind == .file { bytes[group] += entries[index].size }
                    }
                }
                let made = names.indices.map {
                    GroupDigest(
                        name: names[$0], context: entries, positions: positions[$0], bytes: bytes[$0],
                        digest: parts[$0].finalize())
                }
                groups.withLock { $0 = made }
            }
        }
        let (digest, bytes) = whole.withLock { $0! }
        return (
            groups.withLock { $0 },
            GroupDigest(name: contextName, context: entries, positions: nil, bytes: bytes, digest: digest)
        )
    }
}

/// The fingerprint of a build context: one digest per layer group, lower layers first, and one
/// for the whole context.
package struct Fingerprint: Sendable {
    package var ecosystem: Ecosystem
    package var groups: [GroupDigest]
    package var context: GroupDigest
    /// The ignore file that applied, if any.
    package var ignoreFile: String?
    /// Requirements that install from a local path (warnings for people).
    package var localPathRequirements: [LocalPathRequirement]
    /// The Dockerfile stage that is built (nil: the last one).
    package var target: String?
    /// The platform the image is built for.
    package var platform: Platform = .host
    /// The stat cache was damaged: it was discarded, and this run rebuilt it.
    package var statCacheDamaged = false
    /// The `.dockerignore` patterns that applied.
    package var ignore: IgnoreMatcher
    /// The configuration that applied.
    package var config: Config
    /// The SHA-256 of the Dockerfile's bytes, when there is one.
    package var dockerfile: Digest?
    /// Where the Dockerfile puts the context, when there is one it can read.
    package var layout: ImageLayout.Reading?
}
