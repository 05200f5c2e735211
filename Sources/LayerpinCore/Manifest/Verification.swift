/// One `layerpin verify`: what to check, against which manifest.
package struct VerifyRequest: Sendable {
    /// Where the files come from.
    package enum Source: Sendable {
        /// A tree laid out as the build context (its `.dockerignore` applies).
        case contextTree(root: String, dockerfile: String?)
        /// A file system laid out as the image (`/` in a container, or an unpacked image).
        case imageTree(root: String)
        /// A `docker save` archive (`-`: standard input).
        case imageArchive(String)
        /// A tar of a file system (`docker cp CONTAINER:/ -`; `-`: standard input).
        case tar(String)
        /// An image in the engine.
        case image(String)
        /// A container in the engine.
        case container(String)
    }

    package var source: Source
    /// The manifest to check against; else the default of the source (see `Verification.run`).
    package var manifest: String?
    /// A commit prefix the manifest must name.
    package var expectCommit: String?
    /// For an image, a container or an archive: the project whose current state is expected when
    /// neither a manifest nor a commit is given (`--root DIR`, else the current directory when it
    /// holds a project).
    package var project: String?
    /// Whether the project was named (`--root`), not found in the current directory.
    package var projectWasNamed: Bool = false
    /// The project's Dockerfile (`-f`), when not `Dockerfile`.
    package var dockerfile: String?
    package var limits: ImageFileSystem.Limits
    /// Which image of a multi-platform archive to check.
    package var platform: Platform?

    package init(
        source: Source, manifest: String? = nil, expectCommit: String? = nil, project: String? = nil,
        projectWasNamed: Bool = false, dockerfile: String? = nil,
        limits: ImageFileSystem.Limits = ImageFileSystem.Limits(), platform: Platform? = nil
    ) {
        self.platform = platform
        self.source = source
        self.manifest = manifest
        self.expectCommit = expectCommit
        self.project = project
        self.projectWasNamed = projectWasNamed
        self.dockerfile = dockerfile
        self.limits = limits
    }
}

/// Runs a `VerifyRequest`: one rule for every source.
package enum Verification {
    /// The manifest is `--manifest` when given; else, for a context tree, the tree's own
    /// `.layerpin/manifest.json`; for an image tree, the one it carries at `etc/layerpin/`; for an
    /// image, a container or an archive, the one baked into it.
    package static func run(_ request: VerifyRequest, client: DockerClient = DockerClient()) throws(LayerpinError)
        -> DeployReport
    {
        var report: DeployReport
        switch request.source {
        case .contextTree(let root, let dockerfile):
            let path = request.manifest ?? Manifest.defaultPath(root: root)
            let manifest = try Manifest.load(path)
            report = DeployReport(
                manifest: manifest, manifestSource: path,
                files: try Verifier.verify(contextRoot: root, dockerfile: dockerfile, against: manifest))
            report.freshness = DeployVerifier.freshness(of: manifest, expecting: commitExpectation(request))
        case .imageTree(let root):
            let path = request.manifest ?? join(root, "etc/layerpin/manifest.json")
            let manifest = try Manifest.load(path)
            report = DeployReport(
                manifest: manifest, manifestSource: path,
                files: try Verifier.verify(imageRoot: root, against: manifest))
            report.freshness = DeployVerifier.freshness(of: manifest, expecting: commitExpectation(request))
        case .imageArchive(let path):
            report = try DeployVerifier.check(
                try ImageFileSystem.readImageArchive(path, limits: request.limits, platform: request.platform),
                expecting: try expectation(request))
        case .tar(let path):
            report = try DeployVerifier.check(
                try ImageFileSystem.readTar(path, limits: request.limits), expecting: try expectation(request))
        case .image(let reference):
            report = try DeployVerifier.verify(image: reference, expecting: try expectation(request), client: client)
        case .container(let name):
            report = try DeployVerifier.verify(container: name, expecting: try expectation(request), client: client)
        }
        return alsoCommit(request, report)
    }

    /// With both `--manifest` and `--expect-commit`, the commit is checked as well (a tree's
    /// freshness, judged by the commit alone, is left as it is).
    static func alsoCommit(_ request: VerifyRequest, _ report: DeployReport) -> DeployReport {
        guard request.manifest != nil, let commit = request.expectCommit, !report.freshness.isStale else {
            return report
        }
        var report = report
        let byCommit = DeployVerifier.freshness(of: report.manifest, expecting: .commit(commit))
        if byCommit.isStale { report.freshness = byCommit }
        return report
    }

    /// What a deploy-side source is expected to carry: `--manifest`, else `--expect-commit`, else
    /// the project's current state computed now (a pull without a rebuild is caught), else nothing.
    static func expectation(_ request: VerifyRequest) throws(LayerpinError) -> DeployExpectation {
        if let path = request.manifest { return .manifest(try Manifest.load(path), from: .manifestFile(path)) }
        if let commit = request.expectCommit { return .commit(commit) }
        guard let root = request.project else { return .nothing }
        do {
            let (manifest, _) = try Planner(root: root, dockerfile: request.dockerfile).manifest()
            return .manifest(manifest, from: .project(root))
        } catch {
            // A project named with --root must plan; one only found in the current directory may
            // be something else that happens to hold a Dockerfile: then freshness is not checked.
            guard request.projectWasNamed else { return .nothing }
            throw error
        }
    }

    static func commitExpectation(_ request: VerifyRequest) -> DeployExpectation {
        request.expectCommit.map { .commit($0) } ?? .nothing
    }

    /// Whether `directory` holds a project layerpin can plan: a Dockerfile, `layerpin.yaml` or a plan.
    package static func isProject(_ directory: String) -> Bool {
        guard let opened = try? OpenDirectory(directory) else { return false }
        return ["Dockerfile", Config.fileName, ".layerpin/manifest.json"].contains { opened.contains(Array($0.utf8)) }
    }

    private static func join(_ root: String, _ path: String) -> String {
        (root.hasSuffix("/") ? root : root + "/") + path
    }
}

extension Manifest {
    /// Where `plan` writes the manifest of the context at `root`.
    package static func defaultPath(root: String) -> String {
        root == "." ? ".layerpin/manifest.json" : (root.hasSuffix("/") ? root : root + "/") + ".layerpin/manifest.json"
    }

    /// Reads a manifest file named on the command line (or by a default rule).
    package static func load(_ path: String) throws(LayerpinError) -> Manifest {
        let bytes = try NamedFile.read(path, limit: 1 << 30)
        do {
            return try Manifest.read(bytes, file: path)
        } catch {
            throw .invalidManifest(error)
        }
    }
}
