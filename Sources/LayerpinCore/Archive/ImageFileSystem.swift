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
    /// The bytes of `/etc/layerpin/manifest.json` when the image has one.
    package var bakedManifest: [UInt8]?

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

    /// Whiteouts of one layer, kept until it is stacked on the layers below.
    var whiteouts: [[UInt8]] = []
    var opaqueDirectories: [[UInt8]] = []
    var recordWhiteouts = false
    /// Where the tar's root sits in the file system (for `docker cp` of a directory).
    var prefix: [UInt8] = []
}
