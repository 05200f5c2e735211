import LayerpinDigest

/// `.layerpin/manifest.json`, schema `layerpin.manifest/v1` (docs/manifest.md): what a build
/// context held, where it lands in the image, and how it was built. Written as canonical JSON
/// (sorted keys, fixed formatting, no wall-clock time), so the same inputs give the same bytes.
public struct Manifest: Sendable, Equatable {
    public static let schema = "layerpin.manifest/v1"
    public static let schemaFamily = "layerpin.manifest/"
    public static let majorVersion = 1

    /// The commit the context was planned from.
    public struct Git: Sendable, Equatable {
        public var commit: String
        /// nil on a detached HEAD.
        public var branch: String?
        /// Committer time, ISO 8601 (never the wall clock).
        public var commitTime: String
        /// A file inside the build context differs from the commit (changes elsewhere do not count).
        public var dirty: Bool

        public init(commit: String, branch: String?, commitTime: String, dirty: Bool) {
            self.commit = commit
            self.branch = branch
            self.commitTime = commitTime
            self.dirty = dirty
        }
    }

    /// One context entry, as the digest spec sees it.
    public struct Entry: Sendable, Equatable {
        public var path: [UInt8]
        public var kind: EntryKind
        public var executable: Bool
        public var size: Int64
        /// SHA-256 of a file's bytes.
        public var sha256: Digest?
        /// A symlink's target, raw bytes.
        public var target: [UInt8]?
        /// The layer group it belongs to; nil for an entry outside every group.
        public var group: String?

        public init(
            path: [UInt8], kind: EntryKind, executable: Bool, size: Int64, sha256: Digest?, target: [UInt8]?,
            group: String?
        ) {
            self.path = path
            self.kind = kind
            self.executable = executable
            self.size = size
            self.sha256 = sha256
            self.target = target
            self.group = group
        }

        /// The git-style mode of the digest spec.
        public var mode: String {
            FingerprintEntry(path: path, kind: kind, executable: executable, contentDigest: nil).modeField
        }
    }

    /// A layer group's digest, lower layers first.
    public struct Group: Sendable, Equatable {
        public var name: String
        public var digest: Digest
        public var entries: Int
        public var bytes: Int64
    }

    /// Where a part of the context lands in the image: the context path (empty for the root)
    /// copied to an absolute directory of the image.
    public struct Mapping: Sendable, Equatable {
        public var context: [UInt8]
        public var image: String

        public init(context: [UInt8], image: String) {
            self.context = context
            self.image = image
        }
    }

    public var tool: String
    public var git: Git?
    public var ecosystem: String
    public var groups: [Group]
    public var context: Digest
    /// The recipe digest (`Recipe`) and the platform it was planned for.
    public var recipe: Digest
    public var platform: String
    public var entries: [Entry]
    /// `LAYERPIN_<GROUP>_DIGEST` and `LAYERPIN_COMMIT`.
    public var buildArgs: [String: String]
    public var tags: [String]
    public var layout: [Mapping]

    /// The commit for labels and logs: the git commit, or `unknown` outside a repository.
    public var commit: String { git?.commit ?? "unknown" }

    /// A group's digest by name.
    public func digest(of group: String) -> Digest? {
        groups.first { $0.name == group }?.digest
    }

    /// The image directories the context's directories (or its root) are copied to: extra
    /// entries under them are reported.
    public var coveredDirectories: [String] {
        let directories = Set(entries.filter { $0.kind == .directory }.map(\.path))
        var result: [String] = []
        for mapping in layout where mapping.context.isEmpty || directories.contains(mapping.context) {
            if !result.contains(mapping.image) { result.append(mapping.image) }
        }
        return result
    }

    /// Covered directories that a context directory (not the context root) is copied to: they are
    /// entries of the manifest themselves.
    public var copiedDirectoryRoots: Set<String> {
        let directories = Set(entries.filter { $0.kind == .directory }.map(\.path))
        return Set(layout.filter { !$0.context.isEmpty && directories.contains($0.context) }.map(\.image))
    }

    /// Image paths of single copied context files that lie outside every covered directory.
    public var looseFiles: [String] {
        let covered = coveredDirectories
        let files = Set(entries.filter { $0.kind != .directory }.map(\.path))
        return layout.filter { files.contains($0.context) }.map(\.image).filter { file in
            !covered.contains { ImagePath.isWithin(file, $0) && ImagePath.components(file) != ImagePath.components($0) }
        }
    }

    /// The image paths (raw bytes) of every entry, with the entry.
    public func imageEntries() -> [(path: [UInt8], entry: Entry)] {
        entries.compactMap { entry in
            guard let mapping = layout.first(where: { $0.context.isEmpty || RawPath.isWithin(entry.path, $0.context) })
            else { return nil }
            let rest = mapping.context.isEmpty ? entry.path : Array(entry.path.dropFirst(mapping.context.count + 1))
            var base = Array(mapping.image.utf8)
            if base.last == RawPath.separator && base.count > 1 { base.removeLast() }
            if base == [RawPath.separator] { base = [] }
            return (rest.isEmpty ? base : base + [RawPath.separator] + rest, entry)
        }
    }
}
