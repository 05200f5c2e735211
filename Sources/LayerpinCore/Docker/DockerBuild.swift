import LayerpinDockerfile

/// `layerpin build`: plan, then `docker build -` fed by layerpin's own context archive, so what
/// was hashed is exactly what was built (BuildKit's size-and-mtime shortcut for directory contexts
/// can copy a stale file; moby/buildkit#4950). Passes the build args, the labels and the digest tag.
package struct DockerBuild: Sendable {
    package var planner: Planner
    /// The docker CLI (`LAYERPIN_DOCKER`, else `docker` on PATH).
    package var docker: String
    /// A repository for the digest tag instead of the manifest's.
    package var repository: String?
    /// Extra arguments for `docker build`.
    package var extraArguments: [String]
    /// A registry repository for the build cache: the build reads `REPO:deps-<12 hex>` as a cache
    /// source (`--cache-from`, inline cache) and pushes the new image there, so another machine —
    /// or this one after `docker builder prune` — reuses the dependency layers of the same deps digest.
    package var cacheRepository: String?

    package init(
        planner: Planner, docker: String, repository: String? = nil, extraArguments: [String] = [],
        cacheRepository: String? = nil
    ) {
        self.planner = planner
        self.docker = docker
        self.repository = repository
        self.extraArguments = extraArguments
        self.cacheRepository = cacheRepository
    }

    /// The cache reference of a manifest: `REPO:deps-<12 hex>` (`ctx-` without a deps group).
    package func cacheReference(_ manifest: Manifest) -> String? {
        guard let cacheRepository else { return nil }
        if let deps = manifest.digest(of: "deps") { return "\(cacheRepository):deps-\(deps.hex.prefix(12))" }
        return "\(cacheRepository):ctx-\(manifest.context.hex.prefix(12))"
    }

    /// The labels of DESIGN.md: revision, created (the commit's time, never the wall clock), the
    /// digests and the manifest's own digest.
    package static func labels(_ manifest: Manifest) -> [String: String] {
        var labels = [
            ImageNames.revisionLabel: manifest.commit,
            ImageNames.contextDigestLabel: manifest.context.description,
            ImageNames.manifestLabel: manifest.manifestDigest.description,
            ImageNames.recipeLabel: manifest.recipe.description,
        ]
        if let time = manifest.git?.commitTime { labels[ImageNames.createdLabel] = time }
        for group in manifest.groups { labels[ImageNames.digestLabel(ofGroup: group.name)] = group.digest.description }
        return labels
    }

    /// The digest tags, with `repository` in place of the manifest's when given.
    package func tags(_ manifest: Manifest) -> [String] {
        guard let repository else { return manifest.tags }
        return manifest.tags.map { tag in
            let suffix = ImageReference(parsing: tag)?.tag ?? tag
            return repository + ":" + suffix
        }
    }

    /// How the context reaches the engine.
    package enum ContextSource: Sendable, Equatable {
        /// layerpin's archive on stdin, the Dockerfile inside it.
        case archive
        /// The archive unpacked into `directory`, the Dockerfile beside it (not in it): how a
        /// Dockerfile the context's `.dockerignore` keeps out reaches the engine as `docker build
        /// DIR` sends it, read by the engine and never seen by `COPY`. With an archive on stdin
        /// the engine applies no `.dockerignore`, and a Dockerfile in it would be copied.
        case directory(String, dockerfile: String)
    }

    /// The `docker build` arguments for a manifest: by default its tags; `target` is the stage to
    /// build (the plan's, or a dependency stage).
    package func arguments(
        _ manifest: Manifest, tags: [String]? = nil, target: String? = nil, context: ContextSource = .archive
    ) -> [String] {
        var arguments = ["build", "-f"]
        switch context {
        case .archive: arguments.append(planner.fingerprinter.dockerfileName)
        case .directory(_, let dockerfile): arguments.append(dockerfile)
        }
        // Always named: the image is built for the platform the manifest and its recipe record.
        arguments += ["--platform", manifest.platform]
        if let target { arguments += ["--target", target] }
        for name in manifest.buildArgs.keys.sorted() {
            arguments += ["--build-arg", "\(name)=\(manifest.buildArgs[name]!)"]
        }
        let labels = Self.labels(manifest)
        for name in labels.keys.sorted() { arguments += ["--label", "\(name)=\(labels[name]!)"] }
        for tag in tags ?? manifest.tags { arguments += ["--tag", tag] }
        if let cache = cacheReference(manifest) {
            arguments += ["--build-arg", "BUILDKIT_INLINE_CACHE=1", "--cache-from", cache]
        }
        switch context {
        case .archive: return arguments + extraArguments + ["-"]
        case .directory(let directory, _): return arguments + extraArguments + [directory]
        }
    }

    /// The named stage that installs the dependencies, when the Dockerfile has one of its own: a
    /// stage before the one that copies the application (never the built image itself).
    func dependencyStage(target: String?) -> String? {
        let root = planner.fingerprinter.root
        let path = planner.fingerprinter.dockerfileName
        guard let directory = try? OpenDirectory(root), let bytes = try? directory.read(Array(path.utf8)),
            let file = try? DockerfileParser.parse(String(decoding: bytes, as: UTF8.self)),
            let built = DockerfilePinner.targetStage(target, in: file)
        else { return nil }
        let stages = file.stages
        let application = DockerfilePinner.pinnedStage(for: built, in: file) ?? built
        for (position, stage) in stages.enumerated() where position < application {
            guard let name = stage.name else { continue }
            let end = stages[position + 1].from
            if file.instructions[stage.from..<end].contains(where: {
                $0.keyword == "RUN" && DockerfilePinner.isInstall($0)
            }) {
                return name
            }
        }
        return nil
    }

    /// Plans, then builds; returns the manifest and the tags on success.
    package func run(runner: ToolRunner = ToolRunner(environment: ["DOCKER_BUILDKIT": "1"])) throws(LayerpinError)
        -> (Manifest, [String])
    {
        let root = planner.fingerprinter.root
        let rootDirectory = try OpenDirectory(root)
        let planner = planner.forEngine(docker: docker)
        var (manifest, fingerprint) = try planner.manifest(in: rootDirectory)
        let target = fingerprint.target
        let dockerfileName = planner.fingerprinter.dockerfileName
        let excluded = !dockerfileName.hasPrefix("/") && fingerprint.ignore.isExcluded(Array(dockerfileName.utf8))
        // The manifest names the tags actually built (and so the image's own manifest label).
        manifest.tags = tags(manifest)
        _ = try planner.write(manifest, in: rootDirectory)
        var archive = ContextArchive(
            root: root, dockerfile: planner.fingerprinter.dockerfile, generation: fingerprint.ignore.generation,
            mtime: ContextArchive.mtime(commitTime: manifest.git?.commitTime, environment: [:]))
        archive.planOutputs = planner.outputs
        var context = ContextSource.archive
        var staging: StagingDirectory?
        defer { staging?.remove() }
        if excluded {
            // The Dockerfile beside an unpacked copy of the archive, never inside it.
            let made = try StagingDirectory()
            staging = made
            archive.carriesExcludedDockerfile = false
            let dockerfile = made.path + "/Dockerfile"
            guard let bytes = try rootDirectory.read(Array(dockerfileName.utf8)) else {
                throw .systemCall(operation: "open", path: Array(dockerfileName.utf8), errno: FileSystem.noSuchFile)
            }
            try NamedFile.write(dockerfile, bytes)
            let directory = made.path + "/context"
            // Unpacked with the time of unpacking (`-m`), never the archive's one fixed mtime: BuildKit
            // skips a file whose size and mtime match the copy it synced last (moby/buildkit#4950),
            // and every manifest has the same size.
            let unpacked = try runner.runFeeding("tar", ["-x", "-m", "-p", "-f", "-", "-C", directory], in: root) {
                descriptor throws(LayerpinError) in
                try archive.write(to: descriptor, matching: manifest, from: rootDirectory)
            }
            guard unpacked == 0 else {
                throw .toolFailed(command: "tar -x -C \(directory)", status: unpacked, stderrTail: "")
            }
            context = .directory(directory, dockerfile: dockerfile)
        }
        /// One `docker build`, fed the archive when the context is one.
        func build(_ arguments: [String]) throws(LayerpinError) -> Int32 {
            guard context == .archive else { return try runner.runFeeding(docker, arguments, in: root) { _ in } }
            // A build that stops reading the context (it failed) closes the pipe: the executable
            // ignores SIGPIPE, so writing fails with EPIPE instead of killing the process.
            return try runner.runFeeding(docker, arguments, in: root) { descriptor throws(LayerpinError) in
                try archive.write(to: descriptor, matching: manifest, from: rootDirectory)
            }
        }
        let buildArguments = arguments(manifest, target: target, context: context)
        let status = try build(buildArguments)
        guard status == 0 else {
            throw .buildFailed(command: ([docker] + buildArguments).joined(separator: " "), status: status)
        }
        var tags = manifest.tags
        if let cache = cacheReference(manifest), let built = tags.first {
            for step in [["tag", built, cache], ["push", cache]] {
                do {
                    _ = try runner.run(docker, step, in: root)
                } catch {
                    throw .buildFailed(command: ([docker] + step).joined(separator: " "), status: 1)
                }
            }
        }
        // The dependency stage, when it is a named one, gets its own tag keyed by the deps digest
        // (a cache source for other machines); it is all cached by now.
        if let stage = dependencyStage(target: target), let deps = manifest.digest(of: "deps"),
            let repository = tags.first.flatMap({ ImageReference(parsing: $0)?.repository })
        {
            let tag = "\(repository):deps-\(deps.hex.prefix(12))"
            // Only the stage's own tag: the manifest's tags name the final image.
            let stageArguments = arguments(manifest, tags: [tag], target: stage, context: context)
            let stageStatus = try build(stageArguments)
            guard stageStatus == 0 else {
                throw .buildFailed(command: ([docker] + stageArguments).joined(separator: " "), status: stageStatus)
            }
            tags.append(tag)
        }
        return (manifest, tags)
    }
}

extension Planner {
    /// This planner with the engine's platform as the default one (what `docker build` builds for
    /// when no platform is named), so a plan made to build records what the engine will build.
    package func forEngine(docker: String) -> Planner {
        var planner = self
        if Platform.environmentDefault == nil, let platform = DockerClient(docker: docker).enginePlatform() {
            planner.fingerprinter.defaultPlatform = platform
        }
        return planner
    }
}
