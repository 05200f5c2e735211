import Foundation
import LayerpinArchive
import LayerpinDigest

/// A file system read out of tar streams without writing anything to disk: a `docker save`
/// archive (the legacy layout with `manifest.json`, and the OCI layout with `index.json`), its
/// layers applied in order with OCI whiteouts, or one plain tar (`docker cp CONTAINER:/ -`).
///
/// Hostile input is data: every path is cleaned, one that would leave the root is refused, symlinks
/// and hard links are never followed out of the archive, a later duplicate replaces an earlier one
/// (as extraction would), and the entry count and the bytes read are capped.
public struct ImageFileSystem: Sendable {
    /// What one path holds once every layer is applied.
    struct Node: Sendable {
        var kind: EntryKind
        var executable: Bool
        var digest: Digest?
        var target: [UInt8]?
    }

    /// Paths relative to the image root (no leading `/`), to their final state.
    var nodes: [[UInt8]: Node] = [:]
    /// The image config's labels (empty for a plain tar).
    public var labels: [String: String] = [:]
    /// The bytes of `/etc/layerpin/manifest.json` when the image has one.
    public var bakedManifest: [UInt8]?

    /// Limits against decompression bombs and entry floods.
    public struct Limits: Sendable {
        public var maxEntries: Int
        public var maxBytes: Int64

        public init(maxEntries: Int = 2_000_000, maxBytes: Int64 = 64 << 30) {
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
        }
    }

    static let bakedManifestPath = Array("etc/layerpin/manifest.json".utf8)

    /// The entries under an image directory (absolute, e.g. `/app`), keyed by image path, for the
    /// verifier; `.layerpin/` directly under it is skipped as the digests skip it.
    func found(under directory: String) -> [([UInt8], Verifier.Found)] {
        var base = Array(directory.utf8).drop { $0 == RawPath.separator }.map { $0 }
        while base.last == RawPath.separator { base.removeLast() }
        let skip = base.isEmpty ? Array(".layerpin".utf8) : base + Array("/.layerpin".utf8)
        var result: [([UInt8], Verifier.Found)] = []
        for (path, node) in nodes where (base.isEmpty || RawPath.isWithin(path, base)) && path != base {
            if RawPath.isWithin(path, skip) { continue }
            result.append(
                (
                    [RawPath.separator] + path,
                    Verifier.Found(
                        kind: node.kind, executable: node.executable, digest: node.digest, target: node.target)
                ))
        }
        return result
    }

    // MARK: Reading

    /// Reads a plain tar of a file system (file, or standard input when `path` is `-`); entries
    /// are placed under `prefix` (what `docker cp NAME:/srv/app -` needs: its entries start `app/`).
    public static func readTar(_ path: String, prefix: [UInt8] = [], limits: Limits = Limits()) throws(LayerpinError)
        -> ImageFileSystem
    {
        var system = ImageFileSystem()
        try system.addTar(path, prefix: prefix, limits: limits)
        return system
    }

    /// Adds the entries of a plain tar under `prefix`.
    public mutating func addTar(_ path: String, prefix: [UInt8] = [], limits: Limits = Limits()) throws(LayerpinError) {
        let input = try Self.open(path)
        var budget = Budget(limits: limits)
        try LayerpinError.mappingArchiveErrors {
            let reader = try TarReader(fileDescriptor: input.rawValue)
            var layer = ImageFileSystem()
            layer.prefix = prefix
            try layer.apply(layer: reader, budget: &budget)
            stack(layer)
        }
    }

    /// Reads a `docker save` archive. Its index (`manifest.json` or `index.json`) may come after the
    /// layers (dockerd 20.10 writes it last), so the archive is read twice; standard input is first
    /// spooled to a file in `spoolDirectory` (default `$TMPDIR`).
    public static func readImageArchive(
        _ path: String, limits: Limits = Limits(), spoolDirectory: String? = nil
    ) throws(LayerpinError) -> ImageFileSystem {
        guard path == "-" else { return try readImageArchive(file: path, limits: limits) }
        let spool = try spoolStandardInput(
            in: spoolDirectory ?? FileSystem.temporaryDirectory, limit: limits.maxBytes)
        return try readImageArchive(file: spool.path, limits: limits)
    }

    /// Reads a `docker save` archive from a file (see `readImageArchive(_:limits:spoolDirectory:)`).
    static func readImageArchive(file: String, limits: Limits) throws(LayerpinError) -> ImageFileSystem {
        try LayerpinError.mappingArchiveErrors {
            // Pass 1: the small JSON documents (index, manifests, config).
            var documents: [[UInt8]: [UInt8]] = [:]
            var budget = Budget(limits: limits)
            try each(file) { reader, header throws in
                try budget.count(header)
                guard header.kind == .file, header.size <= 4 << 20 else { return }
                let name = clean(header.path)
                guard let name, isDocument(name) else { return }
                documents[name] = try readAll(reader, budget: &budget)
            }
            let (layers, configName) = try layerOrder(documents)
            var system = ImageFileSystem()
            if let configName, let config = documents[configName] { system.labels = labels(in: config) }
            // Pass 2: each layer as it comes, by its position.
            var layerTrees: [Int: ImageFileSystem] = [:]
            try each(file) { reader, header throws in
                guard let name = clean(header.path), let index = layers.firstIndex(of: name), header.kind == .file
                else {
                    return
                }
                var layer = ImageFileSystem()
                layer.recordWhiteouts = true
                try layer.apply(layer: try TarReader(entryOf: reader), budget: &budget)
                layerTrees[index] = layer
            }
            for index in layers.indices {
                guard let layer = layerTrees[index] else {
                    throw ArchiveError(
                        message: "layer \(String(decoding: layers[index], as: UTF8.self)) is missing from the archive")
                }
                system.stack(layer)
            }
            return system
        }
    }

    // MARK: Layers

    /// Whiteouts of one layer, kept until it is stacked on the layers below.
    var whiteouts: [[UInt8]] = []
    var opaqueDirectories: [[UInt8]] = []
    var recordWhiteouts = false
    /// Where the tar's root sits in the file system (for `docker cp` of a directory).
    var prefix: [UInt8] = []

    /// Stacks an upper layer: its whiteouts hide lower paths, opaque directories hide lower
    /// contents, its entries replace lower ones.
    mutating func stack(_ upper: ImageFileSystem) {
        for hidden in upper.whiteouts {
            for path in nodes.keys where RawPath.isWithin(path, hidden) { nodes[path] = nil }
        }
        for directory in upper.opaqueDirectories {
            for path in nodes.keys where RawPath.isWithin(path, directory) && path != directory { nodes[path] = nil }
        }
        for (path, node) in upper.nodes {
            // A non-directory replacing a directory hides what was below it.
            if node.kind != .directory, nodes[path]?.kind == .directory {
                for below in nodes.keys where RawPath.isWithin(below, path) { nodes[below] = nil }
            }
            nodes[path] = node
        }
        if upper.bakedManifest != nil { bakedManifest = upper.bakedManifest }
        if upper.whiteouts.contains(where: { RawPath.isWithin(Self.bakedManifestPath, $0) })
            && upper.bakedManifest == nil
        {
            bakedManifest = nil
        }
    }

    /// Reads one tar's entries into this tree (hashing files as they stream past).
    mutating func apply(layer reader: TarReader, budget: inout Budget) throws {
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while let header = try reader.next() {
            try budget.count(header)
            guard let relative = Self.clean(header.path) else {
                throw ArchiveError(message: "entry leaves the image root", entry: header.path)
            }
            if relative.isEmpty { continue }  // the root itself
            let path = prefix.isEmpty ? relative : prefix + [RawPath.separator] + relative
            let name = path.lastIndex(of: RawPath.separator).map { Array(path[($0 + 1)...]) } ?? path
            let parent = path.lastIndex(of: RawPath.separator).map { Array(path[..<$0]) } ?? []
            if recordWhiteouts && name.starts(with: ".wh.".utf8) {
                if name == Array(".wh..wh..opq".utf8) {
                    opaqueDirectories.append(parent)
                } else {
                    whiteouts.append(RawPath.join(parent, Array(name.dropFirst(4))))
                }
                continue
            }
            let executable = header.permissions & 0o100 != 0
            switch header.kind {
            case .directory:
                nodes[path] = Node(kind: .directory, executable: false, digest: nil, target: nil)
            case .symlink:
                nodes[path] = Node(kind: .symlink, executable: false, digest: nil, target: header.linkTarget ?? [])
            case .hardlink:
                guard let cleaned = header.linkTarget.flatMap(Self.clean),
                    let linked = nodes[prefix.isEmpty ? cleaned : prefix + [RawPath.separator] + cleaned],
                    linked.kind == .file
                else {
                    throw ArchiveError(message: "hard link to a file the archive has not shown", entry: header.path)
                }
                nodes[path] = Node(kind: .file, executable: executable, digest: linked.digest, target: nil)
            case .file:
                var total: Int64 = 0
                var manifest: [UInt8]? = path == Self.bakedManifestPath ? [] : nil
                while true {
                    let count = try reader.read(into: buffer)
                    if count == 0 { break }
                    total += Int64(count)
                    try budget.spend(Int64(count), entry: header.path)
                    let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
                    hasher.update(chunk)
                    if manifest != nil { manifest! += chunk }
                }
                guard total == header.size else {
                    throw ArchiveError(
                        message: "truncated entry (\(total) of \(header.size) bytes)", entry: header.path)
                }
                nodes[path] = Node(kind: .file, executable: executable, digest: hasher.finalize(), target: nil)
                if let manifest { bakedManifest = manifest }
            case .special:
                nodes[path] = Node(kind: .file, executable: false, digest: nil, target: nil)
            }
        }
    }

    // MARK: Helpers

    /// Counts entries and bytes against the limits.
    struct Budget {
        var limits: Limits
        var entries = 0
        var bytes: Int64 = 0

        mutating func count(_ header: ArchiveEntryHeader) throws {
            entries += 1
            guard entries <= limits.maxEntries else {
                throw ArchiveError(message: "more than \(limits.maxEntries) entries (limit)", entry: header.path)
            }
        }

        mutating func spend(_ count: Int64, entry: [UInt8]) throws {
            bytes += count
            guard bytes <= limits.maxBytes else {
                throw ArchiveError(message: "more than \(limits.maxBytes) bytes unpacked (limit)", entry: entry)
            }
        }
    }

    /// A tar path relative to the root: `./` and `/` prefixes dropped, cleaned; nil when it leaves
    /// the root (`..` above it).
    static func clean(_ path: [UInt8]) -> [UInt8]? {
        var parts: [ArraySlice<UInt8>] = []
        for part in path.split(separator: RawPath.separator) {
            if part.elementsEqual(".".utf8) { continue }
            if part.elementsEqual("..".utf8) {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return Array(parts.joined(separator: [RawPath.separator]))
    }

    static func isDocument(_ name: [UInt8]) -> Bool {
        let text = String(decoding: name, as: UTF8.self)
        return text.hasSuffix(".json") || text.hasPrefix("blobs/") || text == "repositories"
    }

    /// The layer paths in order (bottom first) and the config path, from `manifest.json` (legacy)
    /// or `index.json` → image manifest (OCI).
    static func layerOrder(_ documents: [[UInt8]: [UInt8]]) throws -> ([[UInt8]], [UInt8]?) {
        func json(_ name: String) -> Any? {
            documents[Array(name.utf8)].flatMap { try? JSONSerialization.jsonObject(with: Data($0)) }
        }
        if let list = json("manifest.json") as? [[String: Any]], let first = list.first,
            let layers = first["Layers"] as? [String]
        {
            return (
                layers.compactMap { clean(Array($0.utf8)) },
                (first["Config"] as? String).flatMap { clean(Array($0.utf8)) }
            )
        }
        if let index = json("index.json") as? [String: Any], let manifests = index["manifests"] as? [[String: Any]],
            let digest = manifests.first?["digest"] as? String
        {
            func blob(_ digest: String) -> String { "blobs/" + digest.replacingOccurrences(of: ":", with: "/") }
            guard let manifest = json(blob(digest)) as? [String: Any] else {
                throw ArchiveError(message: "index.json names \(digest), which the archive lacks")
            }
            // An index may point at another index (multi-platform): take its first manifest.
            var image = manifest
            if let inner = manifest["manifests"] as? [[String: Any]],
                let innerDigest = inner.first?["digest"] as? String,
                let resolved = json(blob(innerDigest)) as? [String: Any]
            {
                image = resolved
            }
            let layers = (image["layers"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
            let config = (image["config"] as? [String: Any])?["digest"] as? String
            return (layers.map { Array(blob($0).utf8) }, config.map { Array(blob($0).utf8) })
        }
        throw ArchiveError(message: "not a docker save archive: no manifest.json or index.json")
    }

    static func labels(in config: [UInt8]) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(config)) as? [String: Any],
            let inner = object["config"] as? [String: Any], let labels = inner["Labels"] as? [String: String]
        else { return [:] }
        return labels
    }

    static func readAll(_ reader: TarReader, budget: inout Budget) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { return out }
            out += buffer[..<count]
        }
    }

    static func each(_ file: String, _ body: (TarReader, ArchiveEntryHeader) throws -> Void) throws {
        let input = try open(file)
        let reader = try TarReader(fileDescriptor: input.rawValue)
        while let header = try reader.next() { try body(reader, header) }
    }

    /// A file named on the command line, or standard input for `-`.
    static func open(_ path: String) throws(LayerpinError) -> FileDescriptor {
        do {
            return try FileSystem.openInput(path)
        } catch {
            throw .systemCall(operation: error.operation, path: Array(path.utf8), errno: error.errno)
        }
    }

    /// Standard input copied into a spool file (at most `limit` bytes).
    static func spoolStandardInput(in directory: String, limit: Int64) throws(LayerpinError) -> SpoolFile {
        do {
            return try FileSystem.spool(in: directory, suffix: ".tar") { descriptor throws(LayerpinError) in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
                defer { buffer.deallocate() }
                var total: Int64 = 0
                while true {
                    let count: Int
                    do throws(FileSystem.CallError) {
                        count = try FileSystem.read(0, into: buffer)
                        if count == 0 { return }
                        try FileSystem.writeAll(descriptor, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    } catch {
                        throw .systemCall(operation: error.operation, path: Array(directory.utf8), errno: error.errno)
                    }
                    total += Int64(count)
                    if total > limit {
                        throw .archive(message: "more than \(limit) bytes on standard input (limit)", entry: nil)
                    }
                }
            }
        } catch {
            switch error {
            case .system(let call):
                throw .systemCall(operation: call.operation, path: Array(directory.utf8), errno: call.errno)
            case .body(let failure): throw failure
            }
        }
    }
}

extension Verifier {
    /// Checks an image file system read from archives against a manifest.
    public static func verify(_ system: ImageFileSystem, against manifest: Manifest) -> VerificationReport {
        var found: [([UInt8], Found)] = []
        for directory in manifest.coveredDirectories {
            found += system.found(under: directory)
            let path = Array(directory.utf8.drop { $0 == RawPath.separator })
            if manifest.copiedDirectoryRoots.contains(directory), let node = system.nodes[path] {
                found.append(
                    (
                        [RawPath.separator] + path,
                        Found(kind: node.kind, executable: node.executable, digest: nil, target: node.target)
                    ))
            }
        }
        for file in manifest.looseFiles {
            let path = Array(file.utf8.drop { $0 == RawPath.separator })
            if let node = system.nodes[path] {
                found.append(
                    (
                        [RawPath.separator] + path,
                        Found(kind: node.kind, executable: node.executable, digest: node.digest, target: node.target)
                    ))
            }
        }
        return compare(expected: manifest.imageEntries(), found: found)
    }
}
