import LayerpinDigest
import LayerpinIgnore

/// One way a tree differs from its manifest.
package struct Mismatch: Sendable, Hashable, Comparable {
    package enum Kind: String, Sendable, CaseIterable {
        /// In the manifest, not in the tree.
        case missing
        /// In the tree (inside a covered directory), not in the manifest.
        case extra
        /// A file whose bytes differ.
        case content
        /// A file whose owner-executable bit differs.
        case mode
        /// A file, directory or symlink where the manifest has another kind.
        case kind
        /// A symlink pointing elsewhere.
        case target
    }

    package var kind: Kind
    /// The path as the tree names it: relative for a context, absolute for an image.
    package var path: [UInt8]
    /// What the manifest has there (a digest, a kind, `executable`, a symlink target), when it has it.
    package var expected: String?
    /// What the tree has there.
    package var found: String?

    package init(kind: Kind, path: [UInt8], expected: String? = nil, found: String? = nil) {
        self.kind = kind
        self.path = path
        self.expected = expected
        self.found = found
    }

    package static func < (lhs: Mismatch, rhs: Mismatch) -> Bool {
        lhs.path != rhs.path ? RawPath.precedes(lhs.path, rhs.path) : lhs.kind.rawValue < rhs.kind.rawValue
    }
}

/// The outcome of checking a tree against a manifest: every mismatch, not the first.
package struct VerificationReport: Sendable {
    package var mismatches: [Mismatch]
    /// Differences from what the build's own steps recorded (`BuildOutputs`): failures too, told
    /// apart from the source files'.
    package var outputMismatches: [Mismatch] = []
    /// Differences under the paths the application writes at run time (`runtime:`): information,
    /// never a failure.
    package var runtime: [Mismatch] = []
    /// Entries the manifest expected, and how many of them are files.
    package var entries: Int
    package var files: Int
    /// Files the build's own steps recorded, checked against that record.
    package var outputFiles: Int = 0

    /// Nothing differs, from the manifest or from the recorded build outputs.
    package var passed: Bool { mismatches.isEmpty && outputMismatches.isEmpty }
}

/// Checks trees against a manifest: a tree laid out as the build context, or a file system laid
/// out as the image (each context path at the image path the manifest's layout gives).
package enum Verifier {
    /// What was found at one path.
    struct Found {
        var kind: EntryKind
        var executable: Bool
        var digest: Digest?
        var target: [UInt8]?
    }

    /// Checks a directory laid out as the build context (its `.dockerignore` applies).
    package static func verify(contextRoot root: String, dockerfile: String? = nil, against manifest: Manifest)
        throws(LayerpinError) -> VerificationReport
    {
        var fingerprinter = Fingerprinter(root: root, dockerfile: dockerfile)
        fingerprinter.useStatCache = false  // never write into the tree being checked
        let rootDirectory = try OpenDirectory(root)
        // The walk the manifest was planned with: entries it left out must stay out.
        let context = try BuildContext.scan(
            in: rootDirectory, dockerfile: dockerfile, generation: manifest.engine ?? .docker20_10)
        let entries = context.entries.filter { !RawPath.isWithin($0.path, GroupPartition.excludedFromDigests) }
        let found = try fingerprinter.hash(entries, cache: StatCache(), root: rootDirectory.rawValue).map { hashed in
            (hashed.path, Found(hashed))
        }
        return compare(expected: manifest.entries.map { ($0.path, $0) }, found: found)
    }

    /// Checks a file system laid out as the image (`/` in a container, or an unpacked image).
    package static func verify(imageRoot: String, against manifest: Manifest) throws(LayerpinError)
        -> VerificationReport
    {
        var found: [([UInt8], Found)] = []
        let skip = IgnoreMatcher(
            patterns: [IgnorePattern(glob: GroupPartition.excludedFromDigests)!], generation: .current)
        // Every path is resolved inside the image root, as the image's own processes see it.
        let root = try OpenDirectory(imageRoot)
        // Where a file copied to a directory of the image went, the image says.
        let manifest = manifest.settlingDestinations { image in root.holdsDirectory(Array(image.utf8)) }
        /// One entry found at an image path (a loose file, a top-level name), not walked into.
        func addSingle(_ file: String) throws(LayerpinError) {
            let path = Array(file.utf8)
            let parent = path.lastIndex(of: RawPath.separator).map { Array(path[..<$0]) } ?? []
            guard let directory = try root.openDirectoryBeneath(parent) else { return }
            let descriptor = directory.rawValue
            guard let status = try? FileSystem.linkStatus(at: descriptor, Array(path[(parent.count + 1)...])) else {
                return
            }
            let name = Array(path[(parent.count + 1)...])
            var entry = ContextEntry(
                path: name, kind: status.isDirectory ? .directory : status.isSymlink ? .symlink : .file,
                stamp: status.stampOfEntry, device: status.device)
            if status.isSymlink {
                entry.linkTarget = try? FileSystem.linkTarget(at: descriptor, name, sizeHint: Int(status.size))
            }
            var fingerprinter = Fingerprinter(root: imageRoot)
            fingerprinter.useStatCache = false
            if let hashed = try fingerprinter.hash([entry], cache: StatCache(), root: descriptor).first {
                found.append((path, Found(hashed)))
            }
        }
        func addWalk(_ image: String, includingItself: Bool) throws(LayerpinError) {
            // A directory the tree lacks: every file under it is reported missing.
            guard let opened = try root.openDirectoryBeneath(Array(image.utf8)) else { return }
            let descriptor = opened.rawValue
            let walker = ContextWalker(
                source: FileSystemSource(rootDirectory: descriptor), matcher: skip, checkReadable: false,
                threads: FileSystem.requestsInFlight)
            var fingerprinter = Fingerprinter(root: opened.path)
            fingerprinter.useStatCache = false
            let hashed = try fingerprinter.hash(try walker.walk(), cache: StatCache(), root: descriptor)
            var base = Array(image.utf8)
            if base.last == RawPath.separator { base.removeLast() }
            if includingItself {
                found.append((base, Found(kind: .directory, executable: false, digest: nil, target: nil)))
            }
            for entry in hashed { found.append((base + [RawPath.separator] + entry.path, Found(entry))) }
        }
        for file in manifest.looseFiles { try addSingle(file) }
        for (image, isCoveredDirectory) in manifest.scanRoots {
            if isCoveredDirectory {
                try addWalk(image, includingItself: manifest.copiedDirectoryRoots.contains(image))
            } else if let status = try? FileSystem.linkStatus(at: root.rawValue, Array(image.utf8.dropFirst())),
                status.isDirectory
            {
                // A top-level name under "/": itself and what is below it, never its neighbours.
                try addWalk(image, includingItself: true)
            } else {
                try addSingle(image)
            }
        }
        // What the build's own steps recorded, read as the image's processes would reach it.
        var outputs = BuildOutputs()
        if let directory = try root.openDirectoryBeneath(Array("etc/layerpin".utf8)),
            let bytes = try directory.read(Array("outputs".utf8), limit: BuildOutputs.sizeLimit)
        {
            outputs = try BuildOutputs.read(bytes, file: imageRoot + BuildOutputs.imagePath)
        }
        return separatingRuntime(
            compare(expected: manifest.imageEntries(), found: found, outputs: outputs), of: manifest)
    }

    static func modeName(_ executable: Bool) -> String { executable ? "executable" : "not executable" }

    /// Moves the mismatches under the manifest's run-time paths out of the failures.
    static func separatingRuntime(_ report: VerificationReport, of manifest: Manifest) -> VerificationReport {
        guard !manifest.runtime.isEmpty else { return report }
        let paths = RuntimePaths(of: manifest)
        var report = report
        report.runtime = (report.mismatches + report.outputMismatches).filter { paths.contains($0.path) }.sorted()
        report.mismatches.removeAll { paths.contains($0.path) }
        report.outputMismatches.removeAll { paths.contains($0.path) }
        return report
    }

    /// Every difference between what the manifest expects and what was found, sorted by path, each
    /// with both values. A path the build's own steps recorded (`outputs`) is checked against that
    /// record instead, and its differences are reported apart, as build outputs.
    static func compare(
        expected: [([UInt8], Manifest.Entry)], found: [([UInt8], Found)], outputs: BuildOutputs = BuildOutputs()
    ) -> VerificationReport {
        var actual: [[UInt8]: Found] = [:]
        for (path, entry) in found { actual[path] = entry }
        var mismatches: [Mismatch] = []
        var expectedPaths = Set<[UInt8]>()
        for (path, entry) in expected {
            expectedPaths.insert(path)
            if outputs.states[path] == nil {
                mismatches += differences(at: path, expected: BuildOutputs.State(entry), found: actual[path])
            }
        }
        var outputMismatches: [Mismatch] = []
        for (path, state) in outputs.states {
            outputMismatches += differences(at: path, expected: state, found: actual[path])
        }
        for (path, here) in found where !expectedPaths.contains(path) && outputs.states[path] == nil {
            mismatches.append(Mismatch(kind: .extra, path: path, found: here.kind.rawValue))
        }
        return VerificationReport(
            mismatches: mismatches.sorted(), outputMismatches: outputMismatches.sorted(), entries: expected.count,
            files: expected.count { $0.1.kind == .file && outputs.states[$0.0] == nil },
            outputFiles: outputs.fileCount)
    }

    /// How what is at `path` differs from what should be there.
    static func differences(at path: [UInt8], expected: BuildOutputs.State, found here: Found?) -> [Mismatch] {
        guard let here else {
            if case .absent = expected { return [] }
            return [Mismatch(kind: .missing, path: path, expected: expected.kind?.rawValue)]
        }
        guard let kind = expected.kind else { return [Mismatch(kind: .extra, path: path, found: here.kind.rawValue)] }
        guard here.kind == kind else {
            return [Mismatch(kind: .kind, path: path, expected: kind.rawValue, found: here.kind.rawValue)]
        }
        var result: [Mismatch] = []
        switch expected {
        case .file(let digest, let executable):
            if here.digest != digest {
                result.append(
                    Mismatch(kind: .content, path: path, expected: digest?.description, found: here.digest?.description)
                )
            }
            if here.executable != executable {
                result.append(
                    Mismatch(
                        kind: .mode, path: path, expected: Self.modeName(executable),
                        found: Self.modeName(here.executable)))
            }
        case .symlink(let target):
            if here.target != target {
                result.append(
                    Mismatch(
                        kind: .target, path: path, expected: RawPath.display(target),
                        found: here.target.map(RawPath.display)))
            }
        case .directory, .absent: break
        }
        return result
    }
}

extension BuildOutputs.State {
    /// What a manifest entry expects at its image path.
    init(_ entry: Manifest.Entry) {
        switch entry.kind {
        case .file: self = .file(entry.sha256, executable: entry.executable)
        case .directory: self = .directory
        case .symlink: self = .symlink(target: entry.target ?? [])
        }
    }

    /// The kind of entry expected; nil where nothing is.
    var kind: EntryKind? {
        switch self {
        case .file: .file
        case .directory: .directory
        case .symlink: .symlink
        case .absent: nil
        }
    }
}

extension Verifier.Found {
    init(_ hashed: HashedEntry) {
        self.init(
            kind: hashed.fingerprint.kind, executable: hashed.fingerprint.executable,
            digest: hashed.fingerprint.kind == .file ? hashed.fingerprint.contentDigest : nil, target: hashed.linkTarget
        )
    }
}
