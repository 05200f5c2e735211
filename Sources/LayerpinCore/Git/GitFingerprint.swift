import LayerpinDigest
import LayerpinIgnore

extension Fingerprinter {
    /// The fingerprint of the context as committed at `revision`, from git objects alone (no
    /// checkout): the tree under the root's path in the repository, its `.dockerignore` and
    /// `layerpin.yaml` as committed. On a clean checkout it equals `fingerprint()`.
    public func fingerprint(gitRevision revision: String, runner: ToolRunner = ToolRunner()) throws(LayerpinError)
        -> Fingerprint
    {
        let prefix = String(decoding: try runner.run("git", ["rev-parse", "--show-prefix"], in: root), as: UTF8.self)
            .filter { $0 != "\n" }
        let commit = String(
            decoding: try runner.run(
                "git", ["rev-parse", "--verify", "--end-of-options", revision + "^{commit}"], in: root),
            as: UTF8.self
        ).filter { $0 != "\n" }
        let source = try GitContextSource(treeish: commit + ":" + prefix, repository: root, runner: runner)
        let read = { (path: [UInt8]) throws(LayerpinError) -> [UInt8]? in
            guard let object = source.objects[path], object.mode != "120000" else { return nil }
            return try GitContextSource.readBlobs([(path, object.oid)], in: root, runner: runner)[path]
        }
        let (ignoreFile, patterns) = try BuildContext.loadIgnorePatterns(dockerfile: dockerfile ?? "Dockerfile") {
            path throws(LayerpinError) in try read(Array(path.utf8))
        }
        let config = try loadConfig { path throws(LayerpinError) in try read(Array(path.utf8)) }
        let matcher = IgnoreMatcher(patterns: patterns)
        let entries = try ContextWalker(source: source, matcher: matcher, checkReadable: false).walk()

        let files = entries.filter {
            $0.kind == .file && !RawPath.isWithin($0.path, GroupPartition.excludedFromDigests)
        }
        let digests = try GitContextSource.hashBlobs(
            files.map { ($0.path, source.objects[$0.path]!.oid) }, in: root, runner: runner)
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
        let (ecosystem, groups, whole, localPaths) = try GroupPartition.partition(
            entries: hashed, config: config, configFile: configFileName, contents: read)
        let dockerfileBytes = try read(Array(dockerfileName.utf8))
        return Fingerprint(
            ecosystem: ecosystem, groups: groups, context: whole, ignoreFile: ignoreFile,
            localPathRequirements: localPaths, ignore: matcher, config: config,
            dockerfile: dockerfileBytes.map { SHA256Hasher.digest(of: $0) },
            dockerfileText: dockerfileBytes.map { String(decoding: $0, as: UTF8.self) })
    }
}
