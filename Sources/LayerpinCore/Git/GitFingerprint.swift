import LayerpinDigest
import LayerpinIgnore

extension Fingerprinter {
    /// The fingerprint of the context as committed at `revision`, from git objects alone (no
    /// checkout): the tree under the root's path in the repository, its `.dockerignore` and
    /// `layerpin.yaml` as committed. On a clean checkout it equals `fingerprint()`.
    package func fingerprint(gitRevision revision: String, runner: ToolRunner = ToolRunner()) throws(LayerpinError)
        -> Fingerprint
    {
        let prefix = String(decoding: try runner.run("git", ["rev-parse", "--show-prefix"], in: root), as: UTF8.self)
            .filter { $0 != "\n" }
        let commit = String(
            decoding: try runner.run(
                "git", ["rev-parse", "--verify", "--end-of-options", revision + "^{commit}"], in: root),
            as: UTF8.self
        ).filter { $0 != "\n" }
        let tree = try GitContextSource(treeish: commit + ":" + prefix, repository: root, runner: runner)
        return try fingerprint(from: GitTreeSource(tree: tree, repository: root, runner: runner))
    }
}

/// A commit's tree as a fingerprint source: files read and hashed from git's objects.
struct GitTreeSource: FingerprintSource {
    var tree: GitContextSource
    var repository: String
    var runner: ToolRunner

    func read(_ path: [UInt8]) throws(LayerpinError) -> [UInt8]? {
        guard let object = tree.objects[path], object.mode != "120000" else { return nil }
        return try GitContextSource.readBlobs([(path, object.oid)], in: repository, runner: runner)[path]
    }

    /// A committed ignore file that is a symlink is followed one hop inside the tree; a dangling
    /// one, or a directory, is no file.
    func readIgnoreFile(_ path: [UInt8]) throws(LayerpinError) -> [UInt8]? {
        guard let object = tree.objects[path], object.mode == "120000" else { return try read(path) }
        guard let target = try GitContextSource.readBlobs([(path, object.oid)], in: repository, runner: runner)[path]
        else { return nil }
        let parent = path.lastIndex(of: RawPath.separator).map { Array(path[..<$0]) } ?? []
        let resolved = ImageFileSystem.clean(target.first == RawPath.separator ? target : RawPath.join(parent, target))
        return try resolved.flatMap { resolved throws(LayerpinError) in try read(resolved) }
    }

    func hashedEntries(matcher: IgnoreMatcher) throws(LayerpinError) -> (entries: [HashedEntry], statCacheDamaged: Bool)
    {
        let entries = try ContextWalker(source: tree, matcher: matcher, checkReadable: false).walk()
        let files = entries.filter {
            $0.kind == .file && !RawPath.isWithin($0.path, GroupPartition.excludedFromDigests)
        }
        let digests = try GitContextSource.hashBlobs(
            files.map { ($0.path, tree.objects[$0.path]!.oid) }, in: repository, runner: runner)
        let hashed = entries.map { entry in
            let digest: Digest? =
                switch entry.kind {
                case .directory: nil
                case .symlink: SHA256Hasher.digest(of: entry.linkTarget ?? [])
                case .file: digests[entry.path]
                }
            return HashedEntry(
                fingerprint: FingerprintEntry(
                    path: entry.path, kind: entry.kind, executable: entry.isExecutable, contentDigest: digest),
                size: entry.size, linkTarget: entry.linkTarget)
        }
        return (hashed, false)
    }
}
