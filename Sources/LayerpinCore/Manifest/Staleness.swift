/// `layerpin check`: the context as it is now against a manifest or a commit.
public struct StalenessReport: Sendable {
    /// What the check compares with.
    public enum Reference: Sendable {
        /// A manifest file (by default the context's own `.layerpin/manifest.json`).
        case manifest(String)
        /// The context as committed at a git revision.
        case commit(String)
    }

    public var reference: Reference
    /// The context as it is now.
    public var current: Manifest
    public var fingerprint: Fingerprint
    public var diff: ManifestDiff

    public var isStale: Bool { !diff.isEmpty }
}

extension Planner {
    /// Recomputes the context and compares it with `reference` (default: the planned manifest).
    public func check(against reference: StalenessReport.Reference? = nil) throws(LayerpinError) -> StalenessReport {
        let root = fingerprinter.root
        let reference = reference ?? .manifest(Manifest.defaultPath(root: root))
        let (current, fingerprint) = try manifest()
        let expected: Manifest
        switch reference {
        case .manifest(let path):
            expected = try Manifest.load(path)
        case .commit(let revision):
            expected = Self.manifest(of: try fingerprinter.fingerprint(gitRevision: revision), git: nil, root: root)
        }
        return StalenessReport(
            reference: reference, current: current, fingerprint: fingerprint,
            diff: ManifestDiff(old: expected, new: current))
    }
}
