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
            DIR/.layerpin/manifest.json for --root DIR, else the one the image carries at /etc/layerpin. Exit 0 \
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
        let report = try Verification.run(
            VerifyRequest(
                source: source, manifest: manifest, expectCommit: expectCommit,
                limits: ImageFileSystem.Limits(maxEntries: maxEntries, maxBytes: maxBytes)))
        Output.write(json ? Self.json(report).canonicalText : Self.text(report))
        if !report.ok {
            let count = report.problems.count + report.files.mismatches.count
            Output.diagnostic("\(count) mismatch(es) against \(report.manifestSource)")
            throw DifferenceFound()
        }
    }

    /// The one source the flags name (`validate` made sure there is at most one).
    var source: VerifyRequest.Source {
        if let root { return .contextTree(root: root, dockerfile: file) }
        if let imageArchive { return .imageArchive(imageArchive) }
        if let tar { return .tar(tar) }
        if let image { return .image(image) }
        if let container { return .container(container) }
        return .imageTree(root: imageRoot ?? "/")
    }

    static func text(_ report: DeployReport) -> String {
        guard !report.ok else {
            return
                "ok: commit \(report.manifest.commit), \(report.files.entries) entries (\(report.files.files) files) verified\n"
        }
        let mismatches = report.files.mismatches.map { "\($0.kind.rawValue) \(RawPath.display($0.path))" }
        return (report.problems + mismatches).joined(separator: "\n") + "\n"
    }

    static func json(_ report: DeployReport) -> JSONValue {
        .object([
            "ok": .bool(report.ok),
            "commit": .string(report.manifest.commit),
            "manifest": .string(report.manifest.manifestDigest.description),
            "entries": .int(Int64(report.files.entries)),
            "files": .int(Int64(report.files.files)),
            "mismatches": Report.json(report.files.mismatches),
            "problems": .array(report.problems.map { .string($0) }),
        ])
    }
}
