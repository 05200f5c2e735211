import ArgumentParser
import Foundation
import LayerpinCore
import LayerpinDockerfile

/// `layerpin dockerfile`: render a pinned Dockerfile, or pin an existing one.
struct DockerfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dockerfile",
        abstract: "Render a pinned Dockerfile from layerpin.yaml, or pin an existing one (--from FILE).",
        discussion: """
            --from keeps every other line and comment as it was, and pinning a pinned file changes nothing. \\
            -o FILE writes through a temporary name and a rename; the default is stdout.
            """
    )

    @OptionGroup var options: PlanOptions

    @Option(name: .long, help: ArgumentHelp("An existing Dockerfile to pin.", valueName: "file"))
    var from: String?

    @Option(name: .customShort("o"), help: ArgumentHelp("Write to FILE instead of stdout.", valueName: "file"))
    var output: String?

    func run() throws {
        var fingerprinter = Fingerprinter(
            root: options.root.root, dockerfile: options.root.file, configFile: options.config)
        fingerprinter.useStatCache = true
        let fingerprint = try fingerprinter.fingerprint()
        let text: String
        if let from {
            guard let data = FileManager.default.contents(atPath: from) else {
                throw LayerpinError.systemCall(operation: "open", path: Array(from.utf8), errno: ENOENT)
            }
            let deps =
                fingerprint.groups.first { $0.name == "deps" }?.entries.filter { $0.fingerprint.kind == .file }
                .map { String(decoding: $0.path, as: UTF8.self) } ?? []
            do {
                text = try DockerfilePinner.pin(
                    String(decoding: data, as: UTF8.self), dependencyFiles: deps, groups: fingerprint.groups.map(\.name)
                )
            } catch {
                throw LayerpinError.invalidDockerfile(file: from, error)
            }
        } else {
            text = DockerfileRenderer.render(fingerprint)
        }
        if let output {
            try FileOutput.writeAtomically(output, text)
        } else {
            Output.write(text)
        }
    }
}

/// `layerpin lint`: cache-order and staleness findings.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Report cache-order and staleness problems of a Dockerfile, with rule ids and fix hints.",
        discussion: "Exit 1 when a finding of warning level or above exists."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, sarif }

    @OptionGroup var options: PlanOptions

    @Argument(help: "The Dockerfile (default: the -f file, else Dockerfile under the root).")
    var dockerfile: String?

    @Option(name: .long, help: "text, json or sarif.")
    var format: Format = .text

    func run() throws {
        let path =
            dockerfile
            ?? ((options.root.root == "." ? "" : options.root.root + "/") + (options.root.file ?? "Dockerfile"))
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LayerpinError.systemCall(operation: "open", path: Array(path.utf8), errno: ENOENT)
        }
        let file: Dockerfile
        do {
            file = try DockerfileParser.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw LayerpinError.invalidDockerfile(file: path, error)
        }
        // The context as it stands, before this run writes its own stat cache.
        let context = try BuildContext.scan(root: options.root.root, dockerfile: options.root.file)
        var fingerprinter = Fingerprinter(
            root: options.root.root, dockerfile: options.root.file, configFile: options.config)
        fingerprinter.useStatCache = true
        let fingerprint = try fingerprinter.fingerprint()
        var grouped = Set<[UInt8]>()
        for group in fingerprint.groups { for entry in group.entries { grouped.insert(entry.path) } }
        let findings = DockerfileLinter.lint(
            file,
            context: .init(entries: context.entries.map(\.path), grouped: grouped, workdir: fingerprint.config.workdir))
        switch format {
        case .text:
            Output.write(
                findings.map { "\(path):\($0.line): \($0.severity.rawValue) \($0.rule) \($0.message) (\($0.hint))\n" }
                    .joined())
        case .json:
            Output.write(
                JSONValue.array(
                    findings.map {
                        .object([
                            "rule": .string($0.rule), "severity": .string($0.severity.rawValue), "file": .string(path),
                            "line": .int(Int64($0.line)), "message": .string($0.message), "hint": .string($0.hint),
                        ])
                    }
                ).canonicalText)
        case .sarif:
            Output.write(Self.sarif(findings, file: path).canonicalText)
        }
        if findings.contains(where: { $0.severity >= .warning }) { throw ExitCode(1) }
    }

    /// SARIF 2.1.0, one run, the rules listed.
    static func sarif(_ findings: [LintFinding], file: String) -> JSONValue {
        .object([
            "version": .string("2.1.0"),
            "$schema": .string("https://json.schemastore.org/sarif-2.1.0.json"),
            "runs": .array([
                .object([
                    "tool": .object([
                        "driver": .object([
                            "name": .string("layerpin"), "version": .string(LayerpinVersion.current),
                            "rules": .array(
                                DockerfileLinter.rules.map { rule in
                                    .object([
                                        "id": .string(rule.id),
                                        "shortDescription": .object(["text": .string(rule.title)]),
                                    ])
                                }),
                        ])
                    ]),
                    "results": .array(
                        findings.map { finding in
                            .object([
                                "ruleId": .string(finding.rule),
                                "level": .string(finding.severity == .info ? "note" : finding.severity.rawValue),
                                "message": .object(["text": .string(finding.message + " (" + finding.hint + ")")]),
                                "locations": .array([
                                    .object([
                                        "physicalLocation": .object([
                                            "artifactLocation": .object(["uri": .string(file)]),
                                            "region": .object(["startLine": .int(Int64(finding.line))]),
                                        ])
                                    ])
                                ]),
                            ])
                        }),
                ])
            ]),
        ])
    }
}

/// `layerpin init`: detect, then write layerpin.yaml, a Dockerfile and a .dockerignore.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract:
            "Detect the ecosystem and entry point; write layerpin.yaml, and a Dockerfile and .dockerignore where missing."
    )

    @OptionGroup var root: RootOptions

    @Flag(name: .long, help: "Overwrite files that exist.")
    var force = false

    func run() throws {
        let report = try Initializer(root: root.root, force: force).run()
        var text = "ecosystem: \(report.ecosystem.rawValue)\n"
        text += "entry point: " + (report.command.map { $0.joined(separator: " ") } ?? "not found") + "\n"
        for name in report.written { text += "wrote \(name)\n" }
        for name in report.kept { text += "kept \(name) (exists; --force overwrites)\n" }
        for note in report.notes { text += "check: \(note)\n" }
        Output.write(text)
    }
}

/// Writing command output to a file atomically.
enum FileOutput {
    static func writeAtomically(_ path: String, _ text: String) throws {
        let temporary = path + ".tmp.\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw LayerpinError.systemCall(operation: "open", path: Array(temporary.utf8), errno: EACCES)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw LayerpinError.systemCall(operation: "rename", path: Array(path.utf8), errno: code)
        }
    }
}
