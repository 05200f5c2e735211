import LayerpinDigest

/// A context entry with its content hashed: what the digest spec's listing is made of, plus the
/// size (which is not part of the digest).
public struct HashedEntry: Sendable, Hashable {
    public var fingerprint: FingerprintEntry
    public var size: Int64

    public var path: [UInt8] { fingerprint.path }
}

/// The digest of one layer group (or of the whole context) and the entries it covers.
public struct GroupDigest: Sendable {
    public var name: String
    public var digest: Digest
    /// Entries sorted by path bytes.
    public var entries: [HashedEntry]

    /// Bytes of file content in the group.
    public var bytes: Int64 { entries.reduce(0) { $0 + ($1.fingerprint.kind == .file ? $1.size : 0) } }

    init(name: String, entries: [HashedEntry]) {
        self.name = name
        self.entries = entries.sorted { $0.path.lexicographicallyPrecedes($1.path) }
        self.digest = TreeListing.digest(of: self.entries.map(\.fingerprint))
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
        entries all: [HashedEntry], config: Config, configFile: String,
        contents: ([UInt8]) throws(LayerpinError) -> [UInt8]?
    ) throws(LayerpinError) -> (Ecosystem, [GroupDigest], GroupDigest, [LocalPathRequirement]) {
        let entries = all.filter { !RawPath.isWithin($0.path, excludedFromDigests) }
        let rootFiles = entries.filter { $0.fingerprint.kind == .file && !$0.path.contains(RawPath.separator) }.map(
            \.path)
        let ecosystem = config.ecosystem ?? Ecosystem.detect(rootFileNames: rootFiles)

        var claims: [[UInt8]: String] = [:]
        var members: [String: [HashedEntry]] = [:]
        var order: [String] = []
        var localPaths: [LocalPathRequirement] = []
        func claim(_ entry: HashedEntry, for group: String) throws(LayerpinError) {
            if let other = claims[entry.path], other != group {
                throw .overlappingGroups(path: entry.path, first: other, second: group)
            }
            claims[entry.path] = group
            members[group, default: []].append(entry)
        }

        let configured = Dictionary(uniqueKeysWithValues: config.groups.map { ($0.name, $0) })
        if configured["deps"] == nil {
            var detected = rootFiles.filter { ecosystem.isDependencyFile($0) }
            if ecosystem == .python {
                let starts = detected.filter { name in
                    let text = String(decoding: name, as: UTF8.self)
                    return text.hasSuffix(".txt")
                }
                let followed = try PythonRequirements.follow(starts, contents: contents)
                let present = Set(entries.filter { $0.fingerprint.kind == .file }.map(\.path))
                detected = Array(Set(detected).union(followed.files.filter(present.contains)))
                localPaths = followed.localPaths
            }
            if !detected.isEmpty {
                order.append("deps")
                let detectedSet = Set(detected)
                for entry in entries where detectedSet.contains(entry.path) { try claim(entry, for: "deps") }
            }
        }
        for group in config.groups {
            let matcher = try GroupMatcher(group: group, configFile: configFile)
            order.append(group.name)
            for entry in entries where matcher.matches(entry.path) { try claim(entry, for: group.name) }
            if members[group.name, default: []].isEmpty { throw .emptyGroup(name: group.name, configured: true) }
        }
        if configured["src"] == nil {
            order.append("src")
            for entry in entries where claims[entry.path] == nil { try claim(entry, for: "src") }
            if members["src", default: []].isEmpty { throw .emptyGroup(name: "src", configured: false) }
        }
        // Configured groups keep their configured order; detected deps goes first, default src last.
        let groups = order.map { GroupDigest(name: $0, entries: members[$0, default: []]) }
        return (ecosystem, groups, GroupDigest(name: "context", entries: entries), localPaths)
    }
}
