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
    /// Differences under the paths the application writes at run time (`runtime:`): information,
    /// never a failure.
    package var runtime: [Mismatch] = []
    /// Entries the manifest expected, and how many of them are files.
    package var entries: Int
    package var files: Int
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
                threads: FileSystem.onlineProcessors)
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
        return separatingRuntime(compare(expected: manifest.imageEntries(), found: found), of: manifest)
    }

    static func modeName(_ executable: Bool) -> String { executable ? "executable" : "not executable" }

    /// Moves the mismatches under the manifest's run-time paths out of the failures.
    static func separatingRuntime(_ report: VerificationReport, of manifest: Manifest) -> VerificationReport {
        guard !manifest.runtime.isEmpty else { return report }
        let paths = RuntimePaths(of: manifest)
        var report = report
        report.runtime = report.mismatches.filter { paths.contains($0.path) }
        report.mismatches.removeAll { paths.contains($0.path) }
        return report
    }

    /// Every difference between what the manifest expects and what was found, sorted by path, each
    /// with both values.
    static func compare(expected: [([UInt8], Manifest.Entry)], found: [([UInt8], Found)]) -> VerificationReport {
        var actual: [[UInt8]: Found] = [:]
        for (path, entry) in found { actual[path] = entry }
        var mismatches: [Mismatch] = []
        var expectedPaths = Set<[UInt8]>()
        for (path, entry) in expected {
            expectedPaths.insert(path)
            guard let here = actual[path] else {
                mismatches.append(Mismatch(kind: .missing, path: path, expected: entry.kind.rawValue))
                continue
            }
            guard here.kind == entry.kind else {
                mismatches.append(
                    Mismatch(kind: .kind, path: path, expected: entry.kind.rawValue, found: here.kind.rawValue))
                continue
            }
            switch entry.kind {
            case .file:
                if here.digest != entry.sha256 {
                    mismatches.append(
                        Mismatch(
                            kind: .content, path: path, expected: entry.sha256?.description,
                            found: here.digest?.description))
                }
                if here.executable != entry.executable {
                    mismatches.append(
                        Mismatch(
                            kind: .mode, path: path, expected: Self.modeName(entry.executable),
                            found: Self.modeName(here.executable)))
                }
            case .symlink:
                if here.target != entry.target {
                    mismatches.append(
                        Mismatch(
                            kind: .target, path: path, expected: entry.target.map(RawPath.display),
                            found: here.target.map(RawPath.display)))
                }
            case .directory: break
            }
        }
        for (path, here) in found where !expectedPaths.contains(path) {
            mismatches.append(Mismatch(kind: .extra, path: path, found: here.kind.rawValue))
        }
        return VerificationReport(
            mismatches: mismatches.sorted(), entries: expected.count,
            files: expected.count { $0.1.kind == .file })
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
