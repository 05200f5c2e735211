import ArgumentParser
import Foundation
import LayerpinCore
import LayerpinDockerfile

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
        let report = try DockerfileLinter.lint(
            file: path, context: options.root.root, dockerfile: options.root.file, configFile: options.config,
            useStatCache: !options.noCache, engine: options.root.engineSelection, target: options.target)
        let findings = report.findings
        if !report.contextChecked {
            Output.diagnostic(
                "\(options.root.root == "." ? "the current directory" : options.root.root) holds no project (no Dockerfile, layerpin.yaml or plan): \(path) was checked alone; the rules about the context's files (LP005, LP006, LP001's file groups) need one (--root DIR)"
            )
        }
        // A finding in another file (a Makefile, a CI workflow) names that file, under the root.
        let root = options.root.root == "." ? "" : options.root.root + "/"
        func location(_ finding: LintFinding) -> String { finding.file.map { root + $0 } ?? path }
        switch format {
        case .text:
            Output.write(
                findings.map {
                    "\(location($0)):\($0.line): \($0.severity.rawValue) \($0.rule) \($0.message) (\($0.hint))\n"
                }
                .joined())
        case .json:
            Output.write(
                JSONValue.array(
                    findings.map {
                        .object([
                            "rule": .string($0.rule), "severity": .string($0.severity.rawValue),
                            "file": .string(location($0)),
                            "line": .int(Int64($0.line)), "message": .string($0.message), "hint": .string($0.hint),
                        ])
                    }
                ).canonicalText)
        case .sarif:
            Output.write(Self.sarif(findings, location: location).canonicalText)
        }
        if findings.contains(where: { $0.severity >= .warning }) { throw DifferenceFound() }
    }

    /// SARIF 2.1.0, one run, the rules listed.
    static func sarif(_ findings: [LintFinding], location: (LintFinding) -> String) -> JSONValue {
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
                                            "artifactLocation": .object(["uri": .string(location(finding))]),
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
