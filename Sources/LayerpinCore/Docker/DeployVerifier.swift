import LayerpinDigest

/// A deployed image or container against its manifests, as two answers: integrity (its files
/// match the manifest it carries) and freshness (that manifest is the one expected), plus what
/// else is wrong with it (its state, labels, mounts, entrypoint).
package struct DeployReport: Sendable {
    /// The manifest the files were checked against: the one the image carries, else the expected one.
    package var manifest: Manifest
    /// Where it came from, for messages.
    package var manifestSource: String
    package var files: VerificationReport
    package var freshness: Freshness = .notChecked
    /// A container's state (nil for an image or an archive).
    package var state: ContainerInspect.State?
    /// State problems first.
    package var problems: [DeployProblem] = []

    package var ok: Bool { problems.isEmpty && files.passed && !freshness.isStale }
}

/// What a deploy-side verify expects the image to carry.
package enum DeployExpectation: Sendable {
    /// This manifest (from a file, or the project computed now).
    case manifest(Manifest, from: Freshness.Expected)
    /// A manifest naming a commit with this prefix.
    case commit(String)
    /// Nothing: only integrity can be checked.
    case nothing
}

/// Verification of images, containers and archives.
package enum DeployVerifier {
    static let bakedManifestPath = "/etc/layerpin/manifest.json"

    /// A file system read from an image, a container or an archive: its files against the manifest
    /// it carries (else the expected one), its labels, and that manifest against the expectation.
    package static func check(_ system: ImageFileSystem, expecting expectation: DeployExpectation)
        throws(LayerpinError) -> DeployReport
    {
        var baked: Manifest?
        if let bytes = system.bakedManifest {
            do {
                baked = try Manifest.read(bytes, file: bakedManifestPath)
            } catch {
                throw .invalidManifest(error)
            }
        }
        var expected: Manifest?
        var expectedFrom: Freshness.Expected?
        if case .manifest(let manifest, let from) = expectation {
            expected = manifest
            expectedFrom = from
        }
        guard let reference = baked ?? expected else {
            throw .invalidManifest(
                ManifestError(
                    file: bakedManifestPath, line: nil, field: nil,
                    message: "the image carries no manifest: give --manifest FILE, or run in the project"))
        }
        var report = DeployReport(
            manifest: reference,
            manifestSource: baked != nil ? "\(bakedManifestPath) (in the image)" : describe(expectedFrom),
            files: try Verifier.verify(system, against: reference))
        // The labels must agree with the manifest the files were checked against.
        if let label = system.labels[ImageNames.manifestLabel], label != reference.manifestDigest.description {
            report.problems.append(
                .label(name: ImageNames.manifestLabel, found: label, expected: reference.manifestDigest.description))
        }
        if let label = system.labels[ImageNames.revisionLabel], label != reference.commit {
            report.problems.append(.label(name: ImageNames.revisionLabel, found: label, expected: reference.commit))
        }
        report.freshness = freshness(of: reference, expecting: expectation)
        return report
    }

    /// Whether `runs` is what `expectation` asks for.
    static func freshness(of runs: Manifest, expecting expectation: DeployExpectation) -> Freshness {
        switch expectation {
        case .nothing:
            return .notChecked
        case .commit(let prefix):
            guard !runs.commit.lowercased().hasPrefix(prefix.lowercased()) else { return .fresh(.commit(prefix)) }
            return .stale(
                runs: Provenance(runs), expected: Provenance(commit: prefix), from: .commit(prefix),
                cause: .otherCommit,
                changes: [])
        case .manifest(let expected, let from):
            // The entries are compared too, not only the context digest the manifest states about
            // itself: a baked manifest edited to match edited files still differs entry by entry.
            // A manifest file also pins the recipe (build args, base, platform); the project's
            // current state does not know the platform it will be built for.
            let diff = ManifestDiff(old: runs, new: expected)
            var recipeMatters = false
            if case .manifestFile = from { recipeMatters = true }
            guard runs.context != expected.context || !diff.files.isEmpty || (recipeMatters && diff.recipeChanged)
            else { return .fresh(from) }
            return .stale(
                runs: Provenance(runs), expected: Provenance(expected), from: from, cause: .notRebuilt,
                changes: diff.files)
        }
    }

    static func describe(_ expected: Freshness.Expected?) -> String {
        switch expected {
        case .manifestFile(let path): path
        case .project(let root): "the project at \(root)"
        case .commit(let commit): "commit \(commit)"
        case nil: ""
        }
    }

    /// An image in the engine, through `docker save`.
    package static func verify(image reference: String, expecting expectation: DeployExpectation, client: DockerClient)
        throws(LayerpinError) -> DeployReport
    {
        guard try client.inspectImage(reference) != nil else {
            throw .noSuchObject(kind: "image", reference: reference)
        }
        let archive = try client.spool(["save", reference])
        return try check(try ImageFileSystem.readImageArchive(archive.path), expecting: expectation)
    }

    /// A container: its state, its files through `docker cp` (volumes, bind mounts and in-place
    /// edits included), whether it runs the tag's current image, its mounts, its entrypoint and its
    /// start-up line.
    /// `inspected` is the container's inspect when the caller has it already.
    package static func verify(
        container name: String, expecting expectation: DeployExpectation, client: DockerClient,
        inspected: ContainerInspect? = nil
    ) throws(LayerpinError) -> DeployReport {
        var found = inspected
        if found == nil { found = try client.inspectContainer(name) }
        guard let info = found else {
            throw .noSuchObject(kind: "container", reference: name)
        }
        var system = ImageFileSystem()
        system.labels = info.config.labels ?? [:]
        // The baked manifest first (with the build outputs beside it): it says which directories
        // to copy out.
        if let manifestTar = try? client.spool(["cp", "\(name):/etc/layerpin", "-"]) {
            try system.addTar(manifestTar.path, prefix: Array("etc".utf8))
        }
        var layoutSource: Manifest?
        if let bytes = system.bakedManifest { layoutSource = try? Manifest.read(bytes, file: bakedManifestPath) }
        if layoutSource == nil, case .manifest(let expected, _) = expectation { layoutSource = expected }
        // Copied out: each covered directory (below "/", each top-level name the context put
        // there, never the whole file system) and each loose file.
        for image in (layoutSource?.scanRoots.map(\.path) ?? []) + (layoutSource?.looseFiles ?? []) {
            let directory = image.hasSuffix("/") && image.count > 1 ? String(image.dropLast()) : image
            let parent = directory.split(separator: "/").dropLast().joined(separator: "/")
            // A directory the container lacks: every file under it is reported missing.
            guard let tar = try? client.spool(["cp", "\(name):\(directory)", "-"]) else { continue }
            try system.addTar(tar.path, prefix: Array(parent.utf8))
        }
        var report = try check(system, expecting: expectation)
        let images = ImageState(
            runningID: info.image, reference: info.config.image,
            currentID: try client.inspectImage(info.config.image)?.id)
        judge(&report, container: info, images: images)
        if case .stale(let runs, let expected, let from, .notRebuilt, let changes) = report.freshness,
            case .manifest(let manifest, _) = expectation
        {
            for tag in candidateTags(of: manifest, running: info.config.image) where try client.inspectImage(tag) != nil
            {
                report.freshness = .stale(
                    runs: runs, expected: expected, from: from, cause: .notRecreated(tag: tag), changes: changes)
                break
            }
        }
        if info.config.entrypoint?.first == "/etc/layerpin/verify.sh", let logs = try? client.logs(name) {
            let lines = logs.split(separator: "\n").filter { $0.hasPrefix("layerpin: commit ") }
            if let last = lines.last, !last.hasPrefix("layerpin: commit \(report.manifest.commit) ") {
                report.problems.append(.startupLog(String(last)))
            }
        }
        return report
    }

    /// What the engine says about the images of a container.
    struct ImageState {
        /// The image the container runs.
        var runningID: String
        /// The reference it was created from.
        var reference: String
        /// What that reference names now (nil when it names nothing any more).
        var currentID: String?
    }

    /// The container's own findings, a pure function of its inspect data: state, recreation, image,
    /// mounts (the extras under each counted, not listed), entrypoint.
    static func judge(_ report: inout DeployReport, container info: ContainerInspect, images: ImageState) {
        report.state = info.state
        var state: [DeployProblem] = []
        if info.state.restarting {
            state.append(.restarting(lastExitCode: info.state.exitCode))
        } else if info.state.running, let count = info.restartCount, count > 0 {
            state.append(.restarted(count: count))
        } else if !info.state.running {
            state.append(
                info.state.status == "exited"
                    ? .exited(code: info.state.exitCode) : .notRunning(status: info.state.status))
        }
        if info.state.health?.status == "unhealthy" { state.append(.unhealthy) }
        report.problems.insert(contentsOf: state, at: 0)
        if let current = images.currentID, current != images.runningID {
            report.problems.append(
                .notRecreated(imageID: images.runningID, reference: images.reference, current: current))
        }
        let tags = report.manifest.tags
        if !tags.isEmpty, !tags.contains(images.reference), !images.reference.hasPrefix("sha256:") {
            report.problems.append(.wrongImage(runs: images.reference, tags: tags))
        }
        for mount in info.mounts ?? [] {
            guard
                let application = ImagePath.shadowed(by: mount.destination, among: report.manifest.applicationPaths)
            else { continue }
            let under = Array(mount.destination.utf8)
            let extras = report.files.mismatches.filter { $0.kind == .extra && RawPath.isWithin($0.path, under) }
            report.files.mismatches.removeAll { $0.kind == .extra && RawPath.isWithin($0.path, under) }
            report.problems.append(
                .shadowingMount(
                    type: mount.type, source: mount.name ?? mount.source ?? "?", destination: mount.destination,
                    application: application, extras: extras.count))
        }
        let entrypoint = info.config.entrypoint ?? []
        if entrypoint.first != "/etc/layerpin/verify.sh" { report.problems.append(.entrypointReplaced(entrypoint)) }
    }

    /// Where an image of the expected source would be: the expected manifest's own tags, then the
    /// same digest tag in the repository the container runs from.
    static func candidateTags(of expected: Manifest, running reference: String) -> [String] {
        var tags = expected.tags
        if let suffix = expected.tags.first.map(tagSuffix), let repository = repository(of: reference) {
            let tag = repository + ":" + suffix
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    /// `src-<12 hex>` of `repo:src-<12 hex>`.
    static func tagSuffix(_ tag: String) -> String {
        ImageReference(parsing: tag)?.tag ?? tag
    }

    /// The repository of a reference (`127.0.0.1:5000/app:src-1` → `127.0.0.1:5000/app`); nil for an ID.
    static func repository(of reference: String) -> String? {
        ImageReference(parsing: reference)?.repository
    }
}
