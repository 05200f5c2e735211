import ArgumentParser
import Foundation
import LayerpinCore

/// Options of the commands that build a manifest.
struct PlanOptions: ParsableArguments {
    @OptionGroup var root: RootOptions

    @Option(name: .long, help: ArgumentHelp("The configuration file, relative to the root.", valueName: "file"))
    var config: String?

    var planner: Planner { Planner(root: root.root, dockerfile: root.file, configFile: config) }
}

/// `layerpin plan`: the pre-build step.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Write .layerpin/manifest.json, build-args.env and verify.sh; say what changed and what rebuilds.",
        discussion: """
            Each file is written to a temporary name and renamed into place, so a crash never leaves a \
            partial file and two runs never interleave.
            """
    )

    @OptionGroup var options: PlanOptions

    @Flag(name: .long, help: "Print the change report as JSON.")
    var json = false

    func run() throws {
        let planner = options.planner
        let previous = planner.previousManifest()
        let (manifest, fingerprint) = try Progress.run("hashing the build context of \(options.root.root)") {
            try planner.manifest()
        }
        Warnings.print(fingerprint)
        let outputs = try planner.write(manifest)
        let diff = previous.map { ManifestDiff(old: $0, new: manifest) }
        if json {
            var report = Report.json(diff ?? nil, manifest: manifest)
            if case .object(var members) = report {
                members["written"] = .array(
                    [outputs.manifest, outputs.buildArgs, outputs.verifier].map { .string($0) })
                members["first"] = .bool(previous == nil)
                report = .object(members)
            }
            Output.write(report.canonicalText)
            return
        }
        var text = ""
        for group in manifest.groups { text += "\(group.name) \(group.digest)\n" }
        text += "context \(manifest.context)\n"
        if let diff {
            text += Report.text(diff)
        } else {
            text += "first plan: every layer builds\n"
        }
        text += "wrote \(outputs.manifest), \(outputs.buildArgs), \(outputs.verifier)\n"
        Output.write(text)
    }
}

/// `layerpin args`: the build args in the format a build step wants.
struct ArgsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "args",
        abstract: "Print the build args (LAYERPIN_<GROUP>_DIGEST, LAYERPIN_COMMIT) and image tags.",
        discussion: """
            docker: words for `docker build $(layerpin args --format docker) .`; env: a compose .env; \
            make: a Makefile include; github: lines for $GITHUB_OUTPUT; json; shell: export lines.
            """
    )

    @OptionGroup var options: PlanOptions

    @Option(name: .long, help: "docker, env, make, github, json or shell.")
    var format: BuildArgs.Format = .env

    func run() throws {
        let (manifest, fingerprint) = try options.planner.manifest()
        Warnings.print(fingerprint)
        Output.write(BuildArgs(manifest).render(format))
    }
}

extension BuildArgs.Format: ExpressibleByArgument {}

/// `layerpin check`: the CI check.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Recompute and compare with the manifest (or a commit); exit 1 naming every difference.",
        discussion: """
            Compares the context as it is now with .layerpin/manifest.json (or --manifest FILE), or with \
            the context as committed at --expect-commit SHA. Exit 0 when equal, 1 when stale, 2 on bad input.
            """
    )

    @OptionGroup var options: PlanOptions

    @Option(name: .long, help: ArgumentHelp("The manifest to compare with.", valueName: "file"))
    var manifest: String?

    @Option(name: .long, help: ArgumentHelp("Compare with the context as committed at this commit.", valueName: "sha"))
    var expectCommit: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if manifest != nil && expectCommit != nil {
            throw ValidationError("give --manifest or --expect-commit, not both")
        }
    }

    func run() throws {
        let planner = options.planner
        let (current, fingerprint) = try planner.manifest()
        Warnings.print(fingerprint)
        let reference: Manifest
        if let expectCommit {
            let committed = try planner.fingerprinter.fingerprint(gitRevision: expectCommit)
            reference = Planner.manifest(of: committed, git: nil, root: options.root.root)
        } else {
            reference = try ManifestFile.read(manifest ?? ManifestFile.defaultPath(root: options.root.root))
        }
        let diff = ManifestDiff(old: reference, new: current)
        let stale = !diff.isEmpty
        if json {
            var report = Report.json(diff, manifest: current)
            if case .object(var members) = report {
                members["stale"] = .bool(stale)
                report = .object(members)
            }
            Output.write(report.canonicalText)
        } else if stale {
            let against = expectCommit.map { "commit \($0)" } ?? (manifest ?? ".layerpin/manifest.json")
            Output.write("stale: the context differs from \(against)\n" + Report.text(diff))
        } else {
            Output.write("up to date: context \(current.context)\n")
        }
        if stale { throw ExitCode(1) }
    }
}

/// `layerpin diff OLD NEW`: two manifests compared.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two manifests: what changed, which groups and layers it touches."
    )

    @Argument(help: "The older manifest.") var old: String
    @Argument(help: "The newer manifest.") var new: String

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let before = try ManifestFile.read(old)
        let after = try ManifestFile.read(new)
        let diff = ManifestDiff(old: before, new: after)
        if json {
            Output.write(Report.json(diff, manifest: after).canonicalText)
        } else {
            Output.write(Report.text(diff))
        }
        if !diff.isEmpty { throw ExitCode(1) }
    }
}

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
            if manifest == nil, !FileManager.default.fileExists(atPath: manifestPath) {
                manifestPath = (imageRoot ?? "") + "/etc/layerpin/manifest.json"
            }
            expected = try ManifestFile.read(manifestPath)
            report = try Verifier.verify(imageRoot: imageRoot ?? "/", against: expected)
        }
        if let expectCommit, !expected.commit.hasPrefix(expectCommit) || expectCommit.count < 7 {
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
        if !problems.isEmpty || !fileProblems.isEmpty { throw ExitCode(1) }
    }
}

/// Reading manifest files for commands.
enum ManifestFile {
    static func defaultPath(root: String) -> String {
        root == "." ? ".layerpin/manifest.json" : root + "/.layerpin/manifest.json"
    }

    static func read(_ path: String) throws -> Manifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LayerpinError.systemCall(
                operation: "open", path: Array(path.utf8),
                errno: FileManager.default.fileExists(atPath: path) ? EACCES : ENOENT)
        }
        do {
            return try Manifest.read(Array(data), file: path)
        } catch {
            throw LayerpinError.invalidManifest(error)
        }
    }
}

/// Warnings every fingerprinting command prints.
enum Warnings {
    static func print(_ fingerprint: Fingerprint) {
        for requirement in fingerprint.localPathRequirements {
            Output.warning(
                "\(requirement.file):\(requirement.line): '\(requirement.text)' installs from a local path: "
                    + "the dependency layer then depends on source files that the deps digest does not cover")
        }
    }
}

/// How a manifest diff reads.
enum Report {
    /// Mismatches as JSON: `[{"kind": …, "path": …}]`.
    static func json(_ mismatches: [Mismatch]) -> JSONValue {
        .array(
            mismatches.map { .object(["kind": .string($0.kind.rawValue), "path": .string(RawPath.display($0.path))]) })
    }

    static func text(_ diff: ManifestDiff) -> String {
        var text = ""
        if let (old, new) = diff.commits { text += "commit \(old) -> \(new)\n" }
        if diff.isEmpty { return text + "no change: every layer is cached\n" }
        if diff.recipeChanged { text += "recipe changed (Dockerfile, base, build args or platform)\n" }
        for change in diff.files {
            let group = change.group.map { " (\($0))" } ?? ""
            text += "\(change.change.rawValue) \(RawPath.display(change.path))\(group)\n"
        }
        text += "changed groups: \(diff.changedGroups.isEmpty ? "none" : diff.changedGroups.joined(separator: ", "))\n"
        text += "rebuilds: \(diff.rebuiltLayers.isEmpty ? "no layer" : diff.rebuiltLayers.joined(separator: ", "))\n"
        return text
    }

    static func json(_ diff: ManifestDiff?, manifest: Manifest) -> JSONValue {
        var members: [String: JSONValue] = [
            "digests": .object(
                Dictionary(
                    uniqueKeysWithValues: manifest.groups.map { ($0.name, JSONValue.string($0.digest.description)) }
                )
                .merging(["context": .string(manifest.context.description)]) { $1 }),
            "commit": .string(manifest.commit),
        ]
        if let diff {
            members["changes"] = .array(
                diff.files.map { change in
                    .object([
                        "change": .string(change.change.rawValue), "path": .string(RawPath.display(change.path)),
                        "group": change.group.map { .string($0) } ?? .null,
                    ])
                })
            members["changedGroups"] = .array(diff.changedGroups.map { .string($0) })
            members["rebuilds"] = .array(diff.rebuiltLayers.map { .string($0) })
            members["recipeChanged"] = .bool(diff.recipeChanged)
        }
        return .object(members)
    }
}
