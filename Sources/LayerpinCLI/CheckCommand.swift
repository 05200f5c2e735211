import ArgumentParser
import Foundation
import LayerpinCore

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
        let reference: StalenessReport.Reference? = expectCommit.map { .commit($0) } ?? manifest.map { .manifest($0) }
        let report = try options.planner.check(against: reference)
        Warnings.print(report.fingerprint)
        Output.write(json ? Self.json(report).canonicalText : Self.text(report))
        if report.isStale { throw DifferenceFound() }
    }

    static func text(_ report: StalenessReport) -> String {
        guard report.isStale else { return "up to date: context \(report.current.context)\n" }
        let against =
            switch report.reference {
            case .commit(let revision): "commit \(revision)"
            case .manifest(let path): path
            }
        return "stale: the context differs from \(against)\n" + Report.text(report.diff)
    }

    static func json(_ report: StalenessReport) -> JSONValue {
        var json = Report.json(report.diff, manifest: report.current)
        if case .object(var members) = json {
            members["stale"] = .bool(report.isStale)
            json = .object(members)
        }
        return json
    }
}
