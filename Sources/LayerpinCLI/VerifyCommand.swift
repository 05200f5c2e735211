import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin verify`: a tree or an image against a manifest.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a tree, an image archive or a tar stream against a manifest; report every mismatch.",
        discussion: """
            --root DIR checks a tree laid out as the build context; --image-root DIR (default /) a file system \
            laid out as the image (each context path where the manifest's layout puts it); --image-archive \
            FILE a `docker save` archive (legacy or OCI layout) without a Docker engine; --tar FILE|- a tar \
            of a file system (what `docker cp CONTAINER:/ -` gives); --image REF and --container NAME go \
            through the docker CLI (DOCKER_HOST and docker contexts apply): labels, baked manifest, files, \
            and for a container also its image against the tag's current one, its mounts, its entrypoint \
            and its start-up line. The manifest is --manifest FILE, else \
            .layerpin/manifest.json (for --root), else the one the image carries at /etc/layerpin. Exit 0 \
            when everything matches, 1 on any mismatch, 2 on bad input.
            """
    )

    @Option(name: .long, help: ArgumentHelp("A tree laid out as the build context.", valueName: "dir"))
    var root: String?

    @Option(name: .long, help: ArgumentHelp("A file system laid out as the image.", valueName: "dir"))
    var imageRoot: String?

    @Option(name: .long, help: ArgumentHelp("A `docker save` archive (- for stdin).", valueName: "file"))
    var imageArchive: String?

    @Option(name: .long, help: ArgumentHelp("An image in the engine (through docker save).", valueName: "ref"))
    var image: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A container (its files through docker cp, its image, mounts, log).", valueName: "name"))
    var container: String?

    @Option(name: .long, help: ArgumentHelp("A tar of a file system (- for stdin).", valueName: "file"))
    var tar: String?

    @Option(name: [.customShort("f"), .long], help: ArgumentHelp("The Dockerfile (with --root).", valueName: "file"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("The manifest to check against.", valueName: "file"))
    var manifest: String?

    @Option(name: .long, help: ArgumentHelp("The commit the manifest must name.", valueName: "sha"))
    var expectCommit: String?

    @Option(name: .long, help: ArgumentHelp("Refuse archives with more entries (default 2000000).", valueName: "n"))
    var maxEntries: Int = ImageFileSystem.Limits().maxEntries

    @Option(
        name: .long, help: ArgumentHelp("Refuse archives that unpack to more bytes (default 64 GiB).", valueName: "n"))
    var maxBytes: Int64 = ImageFileSystem.Limits().maxBytes

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if [root, imageRoot, imageArchive, tar, image, container].compactMap({ $0 }).count > 1 {
            throw ValidationError("give one of --root, --image-root, --image-archive, --tar, --image or --container")
        }
        if imageArchive == "-" && tar == "-" { throw ValidationError("only one input can be standard input") }
        try ExpectedCommit.validate(expectCommit)
    }

    func run() throws {
        let limits = ImageFileSystem.Limits(maxEntries: maxEntries, maxBytes: maxBytes)
        var problems: [String] = []
        let expected: Manifest
        let report: VerificationReport
        var manifestPath = manifest ?? ".layerpin/manifest.json"
        if imageArchive != nil || tar != nil || image != nil || container != nil {
            let given = try manifest.map { try ManifestFile.read($0) }
            let deploy: DeployReport
            if let archive = imageArchive {
                deploy = try DeployVerifier.check(
                    try ImageFileSystem.readImageArchive(archive, limits: limits), expected: given,
                    givenSource: manifest)
            } else if let tar {
                deploy = try DeployVerifier.check(
                    try ImageFileSystem.readTar(tar, limits: limits), expected: given, givenSource: manifest)
            } else if let image {
                deploy = try DeployVerifier.verify(
                    image: image, expected: given, givenSource: manifest, client: DockerClient())
            } else {
                deploy = try DeployVerifier.verify(
                    container: container!, expected: given, givenSource: manifest, client: DockerClient())
            }
            expected = deploy.manifest
            manifestPath = deploy.manifestSource
            problems = deploy.problems
            report = deploy.files
        } else if let root {
            expected = try ManifestFile.read(manifestPath)
            report = try Verifier.verify(contextRoot: root, dockerfile: file, against: expected)
        } else {
            if manifest == nil, !NamedFile.exists(manifestPath) {
                manifestPath = (imageRoot ?? "") + "/etc/layerpin/manifest.json"
            }
            expected = try ManifestFile.read(manifestPath)
            report = try Verifier.verify(imageRoot: imageRoot ?? "/", against: expected)
        }
        if let expectCommit, !expected.commit.lowercased().hasPrefix(expectCommit.lowercased()) {
            problems.insert("commit: runs \(expected.commit), expected \(expectCommit)", at: 0)
        }
        let fileProblems = report.mismatches.map { "\($0.kind.rawValue) \(RawPath.display($0.path))" }
        if json {
            Output.write(
                JSONValue.object([
                    "ok": .bool(problems.isEmpty && fileProblems.isEmpty),
                    "commit": .string(expected.commit),
                    "manifest": .string(expected.manifestDigest.description),
                    "entries": .int(Int64(report.entries)),
                    "files": .int(Int64(report.files)),
                    "mismatches": Report.json(report.mismatches),
                    "problems": .array(problems.map { .string($0) }),
                ]).canonicalText)
        } else if problems.isEmpty && fileProblems.isEmpty {
            Output.write("ok: commit \(expected.commit), \(report.entries) entries (\(report.files) files) verified\n")
        } else {
            Output.write((problems + fileProblems).joined(separator: "\n") + "\n")
            Output.diagnostic("\(problems.count + fileProblems.count) mismatch(es) against \(manifestPath)")
        }
        if !problems.isEmpty || !fileProblems.isEmpty { throw DifferenceFound() }
    }
}
