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
    package var limits: ImageFileSystem.Limits

    package init(
        source: Source, manifest: String? = nil, expectCommit: String? = nil,
        limits: ImageFileSystem.Limits = ImageFileSystem.Limits()
    ) {
        self.source = source
        self.manifest = manifest
        self.expectCommit = expectCommit
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
        case .imageTree(let root):
            let path = request.manifest ?? join(root, "etc/layerpin/manifest.json")
            let manifest = try Manifest.load(path)
            report = DeployReport(
                manifest: manifest, manifestSource: path,
                files: try Verifier.verify(imageRoot: root, against: manifest))
        case .imageArchive(let path):
            report = try DeployVerifier.check(
                try ImageFileSystem.readImageArchive(path, limits: request.limits), expected: try given(request),
                givenSource: request.manifest)
        case .tar(let path):
            report = try DeployVerifier.check(
                try ImageFileSystem.readTar(path, limits: request.limits), expected: try given(request),
                givenSource: request.manifest)
        case .image(let reference):
            report = try DeployVerifier.verify(
                image: reference, expected: try given(request), givenSource: request.manifest, client: client)
        case .container(let name):
            report = try DeployVerifier.verify(
                container: name, expected: try given(request), givenSource: request.manifest, client: client)
        }
        if let expected = request.expectCommit,
            !report.manifest.commit.lowercased().hasPrefix(expected.lowercased())
        {
            report.problems.insert("commit: runs \(report.manifest.commit), expected \(expected)", at: 0)
        }
        return report
    }

    private static func given(_ request: VerifyRequest) throws(LayerpinError) -> Manifest? {
        try request.manifest.map { path throws(LayerpinError) in try Manifest.load(path) }
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
