import LayerpinArchive
import LayerpinDigest

/// A file system read out of tar streams without writing anything to disk: a `docker save`
/// archive (the legacy layout with `manifest.json`, and the OCI layout with `index.json`), its
/// layers applied in order with OCI whiteouts, or one plain tar (`docker cp CONTAINER:/ -`).
///
/// Hostile input is data: every path is cleaned, one that would leave the root is refused, symlinks
/// and hard links are never followed out of the archive, a later duplicate replaces an earlier one
/// (as extraction would), and the entry count and the bytes read are capped.
package struct ImageFileSystem: Sendable {
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
    package var labels: [String: String] = [:]
    /// The bytes of layerpin's own files the image carries (`bakedPaths`), by path.
    var baked: [[UInt8]: [UInt8]] = [:]

    /// The bytes of `/etc/layerpin/manifest.json` when the image has one.
    package var bakedManifest: [UInt8]? {
        get { baked[Self.bakedManifestPath] }
        set { baked[Self.bakedManifestPath] = newValue }
    }
    /// The bytes of `/etc/layerpin/outputs` (`BuildOutputs`) when the image has one.
    package var bakedOutputs: [UInt8]? { baked[Self.bakedOutputsPath] }

    /// Limits against decompression bombs and entry floods.
    package struct Limits: Sendable {
        package var maxEntries: Int
        package var maxBytes: Int64

        package init(maxEntries: Int = 2_000_000, maxBytes: Int64 = 64 << 30) {
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
        }
    }

    static let bakedManifestPath = Array("etc/layerpin/manifest.json".utf8)
    static let bakedOutputsPath = Array(BuildOutputs.imagePath.utf8.dropFirst())
    /// The files whose bytes are kept while the layers stream past.
    static let bakedPaths: Set<[UInt8]> = [bakedManifestPath, bakedOutputsPath]

    /// The entries under an image directory (absolute, e.g. `/app`), keyed by image path, for the
    /// verifier; `.layerpin/` directly under it is skipped as the digests skip it. The directory is
    /// reached as the image's processes reach it: through its symlinks, inside the image.
    func found(under directory: String) -> [([UInt8], Verifier.Found)] {
        var requested = Array(directory.utf8).drop { $0 == RawPath.separator }.map { $0 }
        while requested.last == RawPath.separator { requested.removeLast() }
        guard let base = resolve(requested) else { return [] }
        let skip = base.isEmpty ? Array(".layerpin".utf8) : base + Array("/.layerpin".utf8)
        var result: [([UInt8], Verifier.Found)] = []
        for (path, node) in nodes where (base.isEmpty || RawPath.isWithin(path, base)) && path != base {
            if RawPath.isWithin(path, skip) { continue }
            let rest = base.isEmpty ? path : Array(path.dropFirst(base.count + 1))
            result.append(
                (
                    [RawPath.separator] + (requested.isEmpty ? rest : requested + [RawPath.separator] + rest),
                    Verifier.Found(
                        kind: node.kind, executable: node.executable, digest: node.digest, target: node.target)
                ))
        }
        return result
    }

    /// Whether an image path (absolute) is a directory, reached through its symlinks (the last one
    /// too, as the engine's `COPY` reaches its destination).
    func isDirectory(_ image: String) -> Bool {
        let requested = Array(Array(image.utf8).drop { $0 == RawPath.separator })
        guard let resolved = resolve(requested) else { return false }
        return resolved.isEmpty || nodes[resolved]?.kind == .directory
    }

    /// The node an image path names, its parent directories reached through their symlinks inside
    /// the image (the last component itself is not followed: a symlink is an entry).
    func node(at path: [UInt8]) -> Node? {
        var components = path.split(separator: RawPath.separator).map(Array.init)
        guard let name = components.popLast() else { return nil }
        guard let parent = resolve(Array(components.joined(separator: [RawPath.separator]))) else { return nil }
        return nodes[parent.isEmpty ? name : parent + [RawPath.separator] + name]
    }

    /// `path` (relative to the image root) with every symlink among its components resolved as the
    /// kernel would inside the image: an absolute target from the image root, `..` never above it,
    /// at most 40 links; nil when the links go round. A missing component is kept as it is.
    func resolve(_ path: [UInt8]) -> [UInt8]? {
        LinkResolution.resolve(path, missingIsAnError: false) { candidate in
            guard let node = nodes[candidate] else { return .missing }
            guard node.kind == .symlink, let target = node.target else { return .notALink }
            return .link(target: target)
        }
    }

    /// Whiteouts of one layer, kept until it is stacked on the layers below.
    var whiteouts: [[UInt8]] = []
    var opaqueDirectories: [[UInt8]] = []
    var recordWhiteouts = false
    /// Where the tar's root sits in the file system (for `docker cp` of a directory).
    var prefix: [UInt8] = []
}

extension ImageFileSystem {
    /// Every entry, one a line sorted by raw path: `KIND EXEC VALUE /PATH`, VALUE the SHA-256 of a
    /// file, a symlink's target, `-` otherwise; paths and targets in the digest spec's encoding.
    package func listing() -> String {
        nodes.keys.sorted(by: RawPath.precedes).map { path in
            let node = nodes[path]!
            let value =
                switch node.kind {
                case .file: node.digest?.hex ?? "special"
                case .symlink: String(decoding: TreeListing.encodePath(node.target ?? []), as: UTF8.self)
                case .directory: "-"
                }
            return "\(node.kind.rawValue) \(node.kind == .file && node.executable ? "x" : "-") \(value) /"
                + String(decoding: TreeListing.encodePath(path), as: UTF8.self) + "\n"
        }.joined()
    }
}
