import Dispatch
import LayerpinDigest
import LayerpinIgnore
import Synchronization

/// A context entry with its content hashed: what the digest spec's listing is made of, plus the
/// size (which is not part of the digest).
public struct HashedEntry: Sendable, Hashable {
    public var fingerprint: FingerprintEntry
    public var size: Int64
    /// A symlink's target, raw bytes.
    public var linkTarget: [UInt8]?

    public var path: [UInt8] { fingerprint.path }
}

/// The digest of one layer group (or of the whole context) and the entries it covers.
public struct GroupDigest: Sendable {
    public var name: String
    public var digest: Digest
    /// Every entry of the context, shared by all its groups, and the positions of this group's
    /// entries among them (nil: all of them): no group copies its entries.
    private let context: [HashedEntry]
    private let positions: [Int]?
    /// Number of entries in the group.
    public let count: Int
    /// Bytes of file content in the group.
    public let bytes: Int64

    /// Entries sorted by path bytes (gathered on each access: read it once).
    public var entries: [HashedEntry] { positions.map { $0.map { context[$0] } } ?? context }

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
                for (index, entry) in entries.enumerated() {
                    precondition(
                        index == 0 || RawPath.precedes(entries[index - 1].path, entry.path),
                        "entries must be in path order")
                    hasher.add(entry.fingerprint)
                    if entry.fingerprint.kind == .file { bytes += entry.size }
                }
                let digest = hasher.finalize()
                whole.withLock { $0 = (digest, bytes) }
            } else {
                let parts = names.map { _ in TreeListing.Hasher() }
                var positions = [[Int]](repeating: [], count: names.count)
                var bytes = [Int64](repeating: 0, count: names.count)
                for (index, entry) in entries.enumerated() {
                    guard let group = owner[index] else { continue }
                    parts[group].add(entry.fingerprint)
                    positions[group].append(index)
                    if entry.fingerprint.kind == .file { bytes[group] += entry.size }
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
public struct Fingerprint: Sendable {
    public var ecosystem: Ecosystem
    public var groups: [GroupDigest]
    public var context: GroupDigest
    /// The ignore file that applied, if any.
    public var ignoreFile: String?
    /// Requirements that install from a local path (warnings for people).
    public var localPathRequirements: [LocalPathRequirement]
    /// The `.dockerignore` patterns that applied.
    public var ignore: IgnoreMatcher
    /// The configuration that applied.
    public var config: Config
    /// The SHA-256 of the Dockerfile's bytes, when there is one.
    public var dockerfile: Digest?
    /// The Dockerfile's text, when there is one (for the image layout).
    public var dockerfileText: String?
}

/// Splits hashed entries into layer groups.
///
/// Configured groups take the entries their patterns match (`.dockerignore` syntax: a pattern that
/// matches a directory takes everything below it). Without configuration, `deps` is the detected
/// dependency manifests and lockfiles of the ecosystem (absent when there are none) and `src` is
/// every other entry. `.layerpin/` is never part of any digest. An entry claimed by two groups, and
/// a group that claims nothing, are errors.
enum GroupPlanner {
    static let excludedFromDigests = Array(".layerpin".utf8)

    static func plan(
        entries all: consuming [HashedEntry], config: Config, configFile: String,
        contents: ([UInt8]) throws(LayerpinError) -> [UInt8]?
    ) throws(LayerpinError) -> (Ecosystem, [GroupDigest], GroupDigest, [LocalPathRequirement]) {
        // Removed in place: the caller hands its entries over, so none is copied.
        var entries = all
        let excluded = excludedFromDigests
        entries.removeAll { RawPath.isWithin($0.path, excluded) }
        let rootFiles = entries.compactMap { entry in
            entry.fingerprint.kind == .file && RawPath.isTopLevel(entry.fingerprint.path) ? entry.fingerprint.path : nil
        }
        let ecosystem = config.ecosystem ?? Ecosystem.detect(rootFileNames: rootFiles)

        // The group each entry belongs to, by index into `order`; entries stay in path order.
        var owner = [Int?](repeating: nil, count: entries.count)
        var order: [String] = []
        var localPaths: [LocalPathRequirement] = []
        func claim(_ index: Int, for group: Int) throws(LayerpinError) {
            if let other = owner[index], other != group {
                throw .overlappingGroups(path: entries[index].path, first: order[other], second: order[group])
            }
            owner[index] = group
        }
        func isEmpty(_ group: Int) -> Bool { !owner.contains(group) }

        let configured = Set(config.groups.map(\.name))
        if !configured.contains("deps") {
            var detected = Set(rootFiles.filter { ecosystem.isDependencyFile($0) })
            if ecosystem == .python {
                let starts = detected.filter {
                    $0.starts(with: "requirements".utf8) || $0.starts(with: "constraints".utf8)
                }
                .sorted(by: RawPath.precedes)
                let followed = try PythonRequirements.follow(starts, contents: contents)
                detected.formUnion(followed.files)
                localPaths = followed.localPaths
            }
            // Entries are in path order: find the few detected files by binary search.
            let members = detected.compactMap { path -> Int? in
                let low = lowerBound(of: path, in: entries)
                guard low < entries.count, entries[low].path == path, entries[low].fingerprint.kind == .file else {
                    return nil
                }
                return low
            }
            if !members.isEmpty {
                order.append("deps")
                for index in members { try claim(index, for: order.count - 1) }
            }
        }
        for group in config.groups {
            let matcher = try GroupMatcher(group: group, configFile: configFile)
            order.append(group.name)
            for index in entries.indices where matcher.matches(entries[index].path) {
                try claim(index, for: order.count - 1)
            }
            if isEmpty(order.count - 1) { throw .emptyGroup(name: group.name, configured: true) }
        }
        if !configured.contains("src") {
            order.append("src")
            for index in entries.indices where owner[index] == nil { owner[index] = order.count - 1 }
            if isEmpty(order.count - 1) { throw .emptyGroup(name: "src", configured: false) }
        }
        // Configured groups keep their configured order; detected deps goes first, default src last.
        let (groups, whole) = GroupDigest.make(names: order, owner: owner, entries: entries, contextName: "context")
        return (ecosystem, groups, whole, localPaths)
    }

    /// The index of the first of `entries` (in path order) whose path does not precede `path`.
    private static func lowerBound(of path: [UInt8], in entries: [HashedEntry]) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if RawPath.precedes(entries[middle].path, path) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
