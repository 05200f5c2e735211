import Dispatch
import LayerpinDigest
import LayerpinIgnore
import Synchronization

/// Splits hashed entries into layer groups.
///
/// Configured groups take the entries their patterns match (`.dockerignore` syntax: a pattern that
/// matches a directory takes everything below it), and `src`, unless configured, every other entry.
/// Without configuration the groups follow the Dockerfile: `deps` is the detected dependency
/// manifests and lockfiles of the ecosystem that its stages copy (absent when there are none) and
/// `src` every other entry they copy (`copied`, from `ImageLayout.Reading`); an entry no `COPY`
/// takes is in no group, only in the context digest. (A Dockerfile that copies nothing besides the
/// dependency files, or none at all, leaves every other entry in `src`.) `.layerpin/` is never part
/// of any digest. An entry claimed by two groups, and a group that claims nothing, are errors.
enum GroupPartition {
    static let excludedFromDigests = Array(".layerpin".utf8)

    static func partition(
        entries all: consuming [HashedEntry], copied: [[UInt8]]? = nil, config: Config, configFile: String,
        contents: ([UInt8]) throws(LayerpinError) -> [UInt8]?
    ) throws(LayerpinError) -> (Ecosystem, [GroupDigest], GroupDigest, [LocalPathRequirement]) {
        // Removed in place, and only when there is something to remove: the caller hands its
        // entries over, and an array shared with anyone else would be copied entry by entry.
        var entries = consume all
        let excluded = excludedFromDigests
        // Index loops through the buffer: iterating the entries themselves would copy each one.
        let (anyExcluded, rootFiles) = entries.withUnsafeBufferPointer { entries in
            var anyExcluded = false
            var rootFiles: [[UInt8]] = []
            for index in entries.indices {
                let entry = UnsafePointer(entries.baseAddress! + index)
                if RawPath.isWithin(entry.pointee.fingerprint.path, excluded) {
                    anyExcluded = true
                    continue
                }
                if entry.pointee.fingerprint.kind == .file && RawPath.isTopLevel(entry.pointee.fingerprint.path) {
                    rootFiles.append(entry.pointee.fingerprint.path)
                }
            }
            return (anyExcluded, rootFiles)
        }
        if anyExcluded { entries.removeAll { RawPath.isWithin($0.path, excluded) } }
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
        // What the Dockerfile's stages copy; configured groups take what they match, copied or not.
        let copiedPrefixes = config.groups.isEmpty ? copied : nil
        func isCopied(_ index: Int) -> Bool {
            copiedPrefixes.map { prefixes in
                prefixes.contains { $0.isEmpty || RawPath.isWithin(entries[index].path, $0) }
            } ?? true
        }
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
                guard low < entries.count, entries[low].path == path, entries[low].fingerprint.kind == .file,
                    isCopied(low)
                else {
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
            for index in entries.indices where owner[index] == nil && isCopied(index) { owner[index] = order.count - 1 }
            if isEmpty(order.count - 1) {
                for index in entries.indices where owner[index] == nil { owner[index] = order.count - 1 }
            }
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
