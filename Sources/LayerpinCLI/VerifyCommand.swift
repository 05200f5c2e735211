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
            laid out as the image; --image-archive FILE a `docker save` archive (legacy or OCI layout) without \
            a Docker engine; --tar FILE|- a tar of a file system (what `docker cp CONTAINER:/ -` gives); \
            --image REF and --container NAME go through the docker CLI (DOCKER_HOST and docker contexts apply).

            Two questions are answered apart. Integrity: the files match the manifest the image carries at \
            /etc/layerpin (else the expected one), every mismatch named. Freshness: that manifest is the one \
            expected: --manifest FILE, else --expect-commit SHA, else the project's current state (the project \
            is --root DIR, or the current directory when it holds a Dockerfile, layerpin.yaml or a plan), else \
            "freshness not checked". A container that exited, restarts or is unhealthy is said first. For \
            --root alone the manifest is DIR/.layerpin/manifest.json; for --image-root, the one the tree \
            carries. Exit 0 when everything matches, 1 on any mismatch or a stale or stopped container, 2 on \
            bad input.
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A tree laid out as the build context; with an image, container or archive, the project expected.",
            valueName: "dir"))
    var root: String?

    @Option(name: .long, help: ArgumentHelp("A file system laid out as the image.", valueName: "dir"))
    var imageRoot: String?

    @Option(name: .long, help: ArgumentHelp("A `docker save` archive (- for stdin).", valueName: "file"))
    var imageArchive: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --image-archive: the image of a multi-platform archive to check, os/arch[/variant].",
            valueName: "platform"))
    var platform: Platform?

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
        if [imageRoot, imageArchive, tar, image, container].compactMap({ $0 }).count
            + (imageRoot != nil && root != nil ? 1 : 0) > 1
        {
            throw ValidationError("give one of --root, --image-root, --image-archive, --tar, --image or --container")
        }
        if imageArchive == "-" && tar == "-" { throw ValidationError("only one input can be standard input") }
        if platform != nil && imageArchive == nil {
            throw ValidationError("--platform chooses an image of --image-archive")
        }
        try ExpectedCommit.validate(expectCommit)
    }

    func run() throws {
        let report = try Verification.run(
            VerifyRequest(
                source: source, manifest: manifest, expectCommit: expectCommit, project: project,
                projectWasNamed: deploySide && root != nil, dockerfile: file,
                limits: ImageFileSystem.Limits(maxEntries: maxEntries, maxBytes: maxBytes), platform: platform))
        Output.write(json ? Self.json(report).canonicalText : Self.text(report, subject: subject))
        if !report.ok {
            let count =
                report.problems.count + report.files.mismatches.count + report.files.outputMismatches.count
                + (report.freshness.isStale ? 1 : 0)
            Output.diagnostic("\(count) finding(s); the files were checked against \(report.manifestSource)")
            throw DifferenceFound()
        }
    }

    /// Whether the flags name an image, a container or an archive (a deploy-side source).
    var deploySide: Bool { imageArchive != nil || tar != nil || image != nil || container != nil }

    /// The one source the flags name (`validate` made sure there is at most one).
    var source: VerifyRequest.Source {
        if let imageArchive { return .imageArchive(imageArchive) }
        if let tar { return .tar(tar) }
        if let image { return .image(image) }
        if let container { return .container(container) }
        if let root { return .contextTree(root: root, dockerfile: file) }
        return .imageTree(root: imageRoot ?? "/")
    }

    /// The project a deploy-side source is expected to match: --root, else the current directory
    /// when it holds one.
    var project: String? {
        guard deploySide else { return nil }
        return root ?? (Verification.isProject(".") ? "." : nil)
    }

    var subject: String { container ?? image ?? (deploySide ? "the image" : "the tree") }

    static func text(_ report: DeployReport, subject: String) -> String {
        let runtime = report.files.runtime.map {
            "written at run time: \($0.kind.rawValue) \(RawPath.display($0.path))\n"
        }.joined()
        guard !report.ok else {
            // Nothing of the context reaches the image unchanged (a compiled binary, a bundle, a
            // final stage that copies --from): say what was checked, never a bare "0 files".
            let checked =
                report.files.entries == 0
                ? "provenance only: no context file reaches this image; labels and baked manifest checked"
                : "\(report.files.entries) entries (\(report.files.files) files) verified"
                    + (report.files.outputFiles > 0 ? ", \(report.files.outputFiles) build outputs" : "")
            return "ok: commit \(Output.shown(report.manifest.commit)), \(checked); "
                + DeployWording.freshnessNote(report.freshness) + "\n" + runtime
        }
        var lines = report.problems.filter(\.isState).map(DeployWording.describe)
        var text = lines.map { $0 + "\n" }.joined()
        text += DeployWording.stale(report.freshness, subject: subject) ?? ""
        lines = report.problems.filter { !$0.isState }.map(DeployWording.describe)
        lines += report.files.mismatches.map { "\($0.kind.rawValue) \(RawPath.display($0.path))" }
        lines += report.files.outputMismatches.map {
            "build output changed since the build: \($0.kind.rawValue) \(RawPath.display($0.path))"
        }
        return text + lines.map { $0 + "\n" }.joined() + runtime
    }

    static func json(_ report: DeployReport) -> JSONValue {
        .object([
            "ok": .bool(report.ok),
            "commit": .string(report.manifest.commit),
            "manifest": .string(report.manifest.manifestDigest.description),
            "entries": .int(Int64(report.files.entries)),
            "files": .int(Int64(report.files.files)),
            "mismatches": Report.json(report.files.mismatches),
            "outputs": .object([
                "files": .int(Int64(report.files.outputFiles)),
                "mismatches": Report.json(report.files.outputMismatches),
            ]),
            "runtime": Report.json(report.files.runtime),
            "problems": .array(report.problems.map { .string(DeployWording.describe($0)) }),
            "integrity": .object([
                "ok": .bool(report.files.passed),
                "manifest": .string(report.manifest.manifestDigest.description),
                "source": .string(report.manifestSource),
            ]),
            "freshness": DeployWording.json(report.freshness),
            "state": DeployWording.json(report.state),
        ])
    }
}
