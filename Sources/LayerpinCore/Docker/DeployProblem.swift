import LayerpinDigest

/// Which source a manifest describes, in the few words a deploy report needs.
package struct Provenance: Sendable, Equatable {
    package var commit: String
    /// `src` when the manifest has that group, else `context`.
    package var digestName: String
    package var digest: Digest?

    package init(commit: String, digestName: String = "src", digest: Digest? = nil) {
        self.commit = commit
        self.digestName = digestName
        self.digest = digest
    }

    package init(_ manifest: Manifest) {
        let src = manifest.digest(of: "src")
        self.init(commit: manifest.commit, digestName: src == nil ? "context" : "src", digest: src ?? manifest.context)
    }
}

/// The second question of a deploy-side verify: is the manifest the image carries the one expected?
package enum Freshness: Sendable, Equatable {
    /// Where the expected state came from.
    package enum Expected: Sendable, Equatable {
        case manifestFile(String)
        case commit(String)
        /// The project at this root, computed now (a pull without a rebuild is caught).
        case project(String)
    }

    /// Why what runs is not what was expected.
    package enum Cause: Sendable, Equatable {
        /// No image of the expected source exists.
        case notRebuilt
        /// An image of the expected source exists (this tag), but the container runs an older one.
        case notRecreated(tag: String)
        /// Only the commit is known to differ.
        case otherCommit
    }

    /// Nothing to compare with: no `--manifest`, no `--expect-commit`, no project at hand.
    case notChecked
    case fresh(Expected)
    case stale(runs: Provenance, expected: Provenance, from: Expected, cause: Cause, changes: [ManifestDiff.FileChange])

    package var isStale: Bool {
        if case .stale = self { return true }
        return false
    }
}

/// Something about a deployed image or container that is not as it should be, besides its files.
package enum DeployProblem: Sendable, Equatable {
    /// The container is not running: it exited with this status.
    case exited(code: Int)
    /// The container is in a restart loop (its last exit status).
    case restarting(lastExitCode: Int)
    /// It runs now, but its restart policy has restarted it this often: it crashed.
    case restarted(count: Int)
    /// Its healthcheck fails.
    case unhealthy
    /// Created, paused, dead…
    case notRunning(status: String)
    /// A label disagrees with the manifest the image carries.
    case label(name: String, found: String, expected: String)
    /// The tag the container was created from now names another image.
    case notRecreated(imageID: String, reference: String, current: String)
    /// The container runs another image than the manifest's tags.
    case wrongImage(runs: String, tags: [String])
    /// A volume or bind mount over the application path; `extras` files under it the image lacks.
    case shadowingMount(type: String, source: String, destination: String, application: String, extras: Int)
    /// The container was started with another entrypoint: no start-up check ran.
    case entrypointReplaced([String])
    /// The last start-up line names another commit.
    case startupLog(String)

    /// A state problem is said first.
    package var isState: Bool {
        switch self {
        case .exited, .restarting, .restarted, .unhealthy, .notRunning: true
        default: false
        }
    }
}
