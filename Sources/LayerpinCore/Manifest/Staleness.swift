/// `layerpin check`: the context as it is now against a manifest or a commit.
package struct StalenessReport: Sendable {
    /// What the check compares with.
    package enum Reference: Sendable {
        /// A manifest file (by default the context's own `.layerpin/manifest.json`).
        case manifest(String)
        /// The context as committed at a git revision.
        case commit(String)
    }

    package var reference: Reference
    /// The context as it is now.
    package var current: Manifest
    package var fingerprint: Fingerprint
    package var diff: ManifestDiff

    package var isStale: Bool { !diff.isEmpty }
}

extension Planner {
    /// Recomputes the context and compares it with `reference` (default: the planned manifest).
    package func check(against reference: StalenessReport.Reference? = nil) throws(LayerpinError) -> StalenessReport {
        let root = fingerprinter.root
        let reference = reference ?? .manifest(Manifest.defaultPath(root: root))
        let expected: Manifest
        var planner = self
        switch reference {
        case .manifest(let path):
            expected = try Manifest.load(path)
            // The platform is no part of the context: unless one is named, the context is
            // compared as planned for the manifest's own (`build --platform` wrote it).
            if Platform.environmentDefault == nil, let platform = Platform(parsing: expected.platform) {
                planner.fingerprinter.defaultPlatform = platform
            }
        case .commit(let revision):
            expected = Self.manifest(of: try fingerprinter.fingerprint(gitRevision: revision), git: nil, root: root)
        }
        let (current, fingerprint) = try planner.manifest()
        return StalenessReport(
            reference: reference, current: current, fingerprint: fingerprint,
            diff: ManifestDiff(old: expected, new: current))
    }
}
