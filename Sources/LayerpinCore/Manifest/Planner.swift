import LayerpinDigest
import LayerpinIgnore

/// The pre-build step: fingerprint the context, ask git, and describe it all in a manifest; then
/// write the manifest, the build args and the in-image verifier into `.layerpin/`.
package struct Planner: Sendable {
    package var fingerprinter: Fingerprinter
    package var runner: ToolRunner
    /// Where the outputs go, relative to the root: `.layerpin`, or a directory of a compose
    /// service's own when several services build one context.
    package var outputs: String = Planner.defaultOutputs

    package static let defaultOutputs = ".layerpin"
    /// The files `write` puts into the outputs directory.
    static let manifestFile = "manifest.json"
    static let buildArgsFile = "build-args.env"
    static let verifierFile = "verify.sh"

    package init(root: String, dockerfile: String? = nil, configFile: String? = nil, runner: ToolRunner = ToolRunner())
    {
        fingerprinter = Fingerprinter(root: root, dockerfile: dockerfile, configFile: configFile)
        self.runner = runner
    }

    /// The manifest of the context as it is now, and the fingerprint it was made from.
    package func manifest() throws(LayerpinError) -> (Manifest, Fingerprint) {
        try manifest(in: try OpenDirectory(fingerprinter.root))
    }

    /// The manifest of the context under an open root (see `manifest()`).
    func manifest(in root: borrowing OpenDirectory) throws(LayerpinError) -> (Manifest, Fingerprint) {
        let fingerprint = try fingerprinter.fingerprint(in: root)
        let git = try GitInfo.read(root: fingerprinter.root, matcher: fingerprint.ignore, runner: runner)
        return (Self.manifest(of: fingerprint, git: git, root: fingerprinter.root), fingerprint)
    }

    /// The manifest of a fingerprint (of a working tree or a commit).
    package static func manifest(of fingerprint: Fingerprint, git: Manifest.Git?, root: String) -> Manifest {
        var owners: [[UInt8]: String] = [:]
        for group in fingerprint.groups {
            for entry in group.entries { owners[entry.path] = group.name }
        }
        let entries = fingerprint.context.entries.map { hashed in
            let fingerprintEntry = hashed.fingerprint
            return Manifest.Entry(
                path: hashed.path, kind: fingerprintEntry.kind, executable: fingerprintEntry.executable,
                size: hashed.size,
                sha256: fingerprintEntry.kind == .file ? fingerprintEntry.contentDigest : nil,
                target: fingerprintEntry.kind == .symlink ? hashed.linkTarget : nil, group: owners[hashed.path])
        }
        // The commit's time, for the org.opencontainers.image.created label: never the wall clock.
        var buildArgs = [
            ImageNames.commitArgument: git?.commit ?? "unknown",
            ImageNames.createdArgument: git?.commitTime ?? "1970-01-01T00:00:00Z",
        ]
        for group in fingerprint.groups {
            buildArgs[ImageNames.digestArgument(ofGroup: group.name)] = group.digest.description
        }
        let repository = fingerprint.config.image ?? repositoryName(forDirectory: root)
        let tagged = fingerprint.groups.first { $0.name == "src" } ?? fingerprint.context
        let tag = "\(repository):\(tagged.name == "src" ? "src" : "ctx")-\(tagged.digest.hex.prefix(12))"
        return Manifest(
            tool: "layerpin \(LayerpinVersion.current)", git: git, ecosystem: fingerprint.ecosystem.rawValue,
            groups: fingerprint.groups.map {
                Manifest.Group(name: $0.name, digest: $0.digest, entries: $0.count, bytes: $0.bytes)
            },
            context: fingerprint.context.digest,
            recipe: Recipe(
                dockerfile: fingerprint.dockerfile, base: fingerprint.config.base,
                platform: fingerprint.platform.description,
                arguments: Array(buildArgs.keys)
            ).digest,
            platform: fingerprint.platform.description, entries: entries, buildArgs: buildArgs, tags: [tag],
            layout: layout(of: fingerprint), runtime: fingerprint.config.runtime, engine: fingerprint.ignore.generation,
            stageLayout: fingerprint.layout?.checkedStage)
    }

    /// Where context paths land: from the Dockerfile's COPY lines, else the configured workdir.
    static func layout(of fingerprint: Fingerprint) -> [Manifest.Mapping] {
        fingerprint.layout?.mappings ?? [Manifest.Mapping(context: [], image: fingerprint.config.workdir ?? "/app")]
    }

    /// A repository name from a directory's name: lower case, `[a-z0-9._-]` only.
    static func repositoryName(forDirectory directory: String) -> String {
        let absolute = directory.hasPrefix("/") ? directory : FileSystem.currentDirectory() + "/" + directory
        let parts = absolute.split(separator: "/").filter { $0 != "." }
        var name = ""
        for scalar in (parts.last.map(String.init) ?? "app").lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_"
                || scalar == "-"
            {
                name.unicodeScalars.append(scalar)
            } else {
                name += "-"
            }
        }
        while name.hasPrefix("-") || name.hasPrefix(".") || name.hasPrefix("_") { name.removeFirst() }
        return name.isEmpty ? "app" : name
    }

    /// What `write` put into `.layerpin/`.
    package struct Outputs: Sendable {
        package var manifest: String
        package var buildArgs: String
        package var verifier: String
    }

    /// Writes `.layerpin/manifest.json`, `.layerpin/build-args.env` and `.layerpin/verify.sh`, each
    /// to a temporary name in the same directory and renamed into place: a crash leaves the old
    /// file or the new one, never a part, and concurrent runs never interleave.
    package func write(_ manifest: Manifest) throws(LayerpinError) -> Outputs {
        try write(manifest, in: try OpenDirectory(fingerprinter.root))
    }

    /// Writes the outputs under an open root (see `write(_:)`).
    func write(_ manifest: Manifest, in root: borrowing OpenDirectory) throws(LayerpinError) -> Outputs {
        let script = try VerifyScript.render(manifest)
        let outputs = Outputs(
            manifest: self.outputs + "/" + Self.manifestFile, buildArgs: self.outputs + "/" + Self.buildArgsFile,
            verifier: self.outputs + "/" + Self.verifierFile)
        try root.makeDirectory(StatCache.directory)
        if self.outputs != Self.defaultOutputs { try root.makeDirectories(Array(self.outputs.utf8)) }
        // What a killed run left behind goes now, so it is never sent in a build context.
        root.removeStaleTemporaryFiles(in: StatCache.directory)
        if self.outputs != Self.defaultOutputs { root.removeStaleTemporaryFiles(in: Array(self.outputs.utf8)) }
        try root.write(Array(outputs.manifest.utf8), Array(manifest.canonicalJSON.utf8))
        try root.write(Array(outputs.buildArgs.utf8), Array(BuildArgs(manifest).render(.env).utf8))
        try root.write(Array(outputs.verifier.utf8), script, mode: 0o755)
        return outputs
    }

    /// What `plan` did: the new manifest, what it was made from, what changed since the previous
    /// plan (nil for the first), and the files written.
    package struct Plan: Sendable {
        package var manifest: Manifest
        package var fingerprint: Fingerprint
        package var changes: ManifestDiff?
        package var outputs: Outputs
    }

    /// The pre-build step, through one open root: read the previous plan, compute the manifest,
    /// write the outputs.
    package func plan() throws(LayerpinError) -> Plan {
        let root = try OpenDirectory(fingerprinter.root)
        let previous = previousManifest(in: root)
        let (manifest, fingerprint) = try self.manifest(in: root)
        let outputs = try write(manifest, in: root)
        return Plan(
            manifest: manifest, fingerprint: fingerprint,
            changes: previous.map { ManifestDiff(old: $0, new: manifest) }, outputs: outputs)
    }

    /// The manifest a previous plan left, if any and readable.
    func previousManifest(in root: borrowing OpenDirectory) -> Manifest? {
        let path = outputs + "/" + Self.manifestFile
        guard let bytes = try? root.read(Array(path.utf8)) else { return nil }
        return try? Manifest.read(bytes, file: path)
    }
}

/// The version every output names.
package enum LayerpinVersion {
    package static let current = "0.1.0"
}
