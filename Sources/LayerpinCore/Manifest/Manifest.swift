import LayerpinDigest
import LayerpinIgnore

/// `.layerpin/manifest.json`, schema `layerpin.manifest/v1` (docs/manifest.md): what a build
/// context held, where it lands in the image, and how it was built. Written as canonical JSON
/// (sorted keys, fixed formatting, no wall-clock time), so the same inputs give the same bytes.
package struct Manifest: Sendable, Equatable {
    package static let schema = "layerpin.manifest/v1"
    package static let schemaFamily = "layerpin.manifest/"
    package static let majorVersion = 1

    /// The commit the context was planned from.
    package struct Git: Sendable, Equatable {
        package var commit: String
        /// nil on a detached HEAD.
        package var branch: String?
        /// Committer time, ISO 8601 (never the wall clock).
        package var commitTime: String
        /// A file inside the build context differs from the commit (changes elsewhere do not count).
        package var dirty: Bool

        package init(commit: String, branch: String?, commitTime: String, dirty: Bool) {
            self.commit = commit
            self.branch = branch
            self.commitTime = commitTime
            self.dirty = dirty
        }
    }

    /// One context entry, as the digest spec sees it.
    package struct Entry: Sendable, Equatable {
        package var path: [UInt8]
        package var kind: EntryKind
        package var executable: Bool
        package var size: Int64
        /// SHA-256 of a file's bytes.
        package var sha256: Digest?
        /// A symlink's target, raw bytes.
        package var target: [UInt8]?
        /// The layer group it belongs to; nil for an entry outside every group.
        package var group: String?

        package init(
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
        package var mode: String {
            FingerprintEntry(path: path, kind: kind, executable: executable, contentDigest: nil).modeField
        }
    }

    /// A layer group's digest, lower layers first.
    package struct Group: Sendable, Equatable {
        package var name: String
        package var digest: Digest
        package var entries: Int
        package var bytes: Int64
    }

    /// Where a part of the context lands in the image: the context path (empty for the root)
    /// copied to an absolute directory of the image.
    package struct Mapping: Sendable, Equatable {
        package var context: [UInt8]
        package var image: String
        /// A file copied to a path the Dockerfile does not make a directory (`COPY app.conf /etc`,
        /// no trailing `/`): the engine puts it inside, under this name, when the image already
        /// has a directory there (the base image's, a `RUN mkdir`'s), else at the path itself. Only
        /// the built image can say which (`settlingDestinations`); nil when the Dockerfile settles it.
        package var nameIfDirectory: String?
        /// A later copy to the same unsettled path replaces this file unless the path is a
        /// directory (`COPY a.txt b.txt /dest`, no trailing `/`: the last wins at a file).
        package var onlyIfDirectory: Bool
        /// The owner-exec bit an octal `--chmod` of the copy gives every file it places, whatever
        /// the file's own in the context; nil without one.
        package var executable: Bool?

        package init(
            context: [UInt8], image: String, nameIfDirectory: String? = nil, onlyIfDirectory: Bool = false,
            executable: Bool? = nil
        ) {
            self.context = context
            self.image = image
            self.nameIfDirectory = nameIfDirectory
            self.onlyIfDirectory = onlyIfDirectory
            self.executable = executable
        }
    }

    package var tool: String
    package var git: Git?
    package var ecosystem: String
    package var groups: [Group]
    package var context: Digest
    /// The recipe digest (`Recipe`) and the platform it was planned for.
    package var recipe: Digest
    package var platform: String
    package var entries: [Entry]
    /// `LAYERPIN_<GROUP>_DIGEST` and `LAYERPIN_COMMIT`.
    package var buildArgs: [String: String]
    package var tags: [String]
    package var layout: [Mapping]
    /// `layerpin.yaml` `runtime:`: paths the application writes at run time (relative to it).
    package var runtime: [String] = []
    /// Whose `.dockerignore` walk chose the entries; nil in a manifest written before it was
    /// recorded (Docker 20.10's, the only one then).
    package var engine: EngineGeneration?
    /// Where the context lands in the stage that copies it, when the built stage has no shell and
    /// takes its files `--from` that stage (`FROM scratch` after a build stage): the in-build check
    /// runs there (`verify.sh --stage --build`); nil otherwise.
    package var stageLayout: [Mapping]? = nil

    /// The image paths only the built image can settle: a file copied there lands inside when it
    /// is a directory (`Mapping.nameIfDirectory`).
    package var unsettledDestinations: [String] {
        var paths: [String] = []
        for mapping in layout where mapping.nameIfDirectory != nil && !paths.contains(mapping.image) {
            paths.append(mapping.image)
        }
        return paths
    }

    /// Where the layout puts the context, for telling what a mount hides: an unsettled file at
    /// its place inside the directory (a mount on `/etc/nginx` hides nothing `COPY app.conf /etc`
    /// put there; one on `/etc` hides it either way).
    package var applicationPaths: [String] {
        layout.map { mapping in mapping.nameIfDirectory.map { ImageLayout.join(mapping.image, $0) } ?? mapping.image }
    }

    /// The manifest with its layout settled against the image: a file copied to an unsettled path
    /// is inside it by its name when `isDirectory` says the image has a directory there (following
    /// symlinks, as the engine's copy does), else at the path (dropped if a later copy replaced it).
    package func settlingDestinations(isDirectory: (String) -> Bool) -> Manifest {
        guard layout.contains(where: { $0.nameIfDirectory != nil }) else { return self }
        var settled = self
        var answers: [String: Bool] = [:]
        settled.layout = layout.compactMap { mapping in
            guard let name = mapping.nameIfDirectory else { return mapping }
            let directory = answers[mapping.image] ?? isDirectory(mapping.image)
            answers[mapping.image] = directory
            if directory {
                return Mapping(
                    context: mapping.context, image: ImageLayout.join(mapping.image, name),
                    executable: mapping.executable)
            }
            return mapping.onlyIfDirectory
                ? nil : Mapping(context: mapping.context, image: mapping.image, executable: mapping.executable)
        }
        return settled
    }

    /// The context files no layer group holds (no `COPY` of the build takes them): a change there
    /// changes only the context digest. The files that steer the build itself (the Dockerfiles,
    /// ignore files, `layerpin.yaml`) are not among them: they are the recipe's.
    package var filesOutsideLayers: [Entry] {
        entries.filter { $0.group == nil && $0.kind != .directory && !DockerfileLinter.steersTheBuild($0.path) }
    }

    /// The commit for labels and logs: the git commit, or `unknown` outside a repository.
    package var commit: String { git?.commit ?? "unknown" }

    /// A group's digest by name.
    package func digest(of group: String) -> Digest? {
        groups.first { $0.name == group }?.digest
    }

    /// The image directories the context's directories (or its root) are copied to: extra
    /// entries under them are reported.
    package var coveredDirectories: [String] {
        let directories = Set(entries.filter { $0.kind == .directory }.map(\.path))
        var result: [String] = []
        for mapping in layout where mapping.context.isEmpty || directories.contains(mapping.context) {
            if !result.contains(mapping.image) { result.append(mapping.image) }
        }
        return result
    }

    /// Where extra entries are looked for: the covered directories, except `/` (the context
    /// copied with no `WORKDIR`), which stands for the top-level names the context put there —
    /// never the rest of the system. Each root is `(path, isCoveredDirectory)`; a top-level name is
    /// itself an expected entry, a covered directory is not (unless a context directory maps to it).
    package var scanRoots: [(path: String, isCoveredDirectory: Bool)] {
        var roots: [(path: String, isCoveredDirectory: Bool)] = []
        for directory in coveredDirectories {
            guard directory == "/" else {
                roots.append((directory, true))
                continue
            }
            for (path, _) in imageEntries() {
                guard let first = path.split(separator: RawPath.separator).first else { continue }
                let name = "/" + String(decoding: first, as: UTF8.self)
                if !roots.contains(where: { $0.path == name }) { roots.append((name, false)) }
            }
        }
        return roots
    }

    /// Covered directories that a context directory (not the context root) is copied to: they are
    /// entries of the manifest themselves.
    package var copiedDirectoryRoots: Set<String> {
        let directories = Set(entries.filter { $0.kind == .directory }.map(\.path))
        return Set(layout.filter { !$0.context.isEmpty && directories.contains($0.context) }.map(\.image))
    }

    /// Image paths of single copied context files that lie outside every covered directory.
    package var looseFiles: [String] {
        let covered = coveredDirectories
        let files = Set(entries.filter { $0.kind != .directory }.map(\.path))
        return layout.filter { files.contains($0.context) }.map(\.image).filter { file in
            !covered.contains { ImagePath.isWithin(file, $0) && ImagePath.components(file) != ImagePath.components($0) }
        }
    }

    /// The image paths (raw bytes) of every entry, with the entry: one for each place a mapping
    /// copies it to (a file copied by `COPY . /app` and `COPY src/ /srv/` is in both); where two
    /// mappings put entries at one path, the more specific mapping's entry is the one there.
    package func imageEntries() -> [(path: [UInt8], entry: Entry)] {
        var seen: Set<[UInt8]> = []
        var result: [(path: [UInt8], entry: Entry)] = []
        for mapping in layout {
            var base = Array(mapping.image.utf8)
            if base.last == RawPath.separator && base.count > 1 { base.removeLast() }
            if base == [RawPath.separator] { base = [] }
            for entry in entries where mapping.context.isEmpty || RawPath.isWithin(entry.path, mapping.context) {
                let rest = mapping.context.isEmpty ? entry.path : Array(entry.path.dropFirst(mapping.context.count + 1))
                let path = rest.isEmpty ? base : base + [RawPath.separator] + rest
                guard seen.insert(path).inserted else { continue }
                var placed = entry
                // A --chmod gives the copied files their mode (the digest's bit is the owner's x).
                if let executable = mapping.executable, entry.kind == .file { placed.executable = executable }
                result.append((path, placed))
            }
        }
        return result
    }
}
