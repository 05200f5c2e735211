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
        let planner = options.planner
        let (current, fingerprint) = try planner.manifest()
        Warnings.print(fingerprint)
        let reference: Manifest
        if let expectCommit {
            let committed = try planner.fingerprinter.fingerprint(gitRevision: expectCommit)
            reference = Planner.manifest(of: committed, git: nil, root: options.root.root)
        } else {
            reference = try Manifest.load(manifest ?? Manifest.defaultPath(root: options.root.root))
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
        if stale { throw DifferenceFound() }
    }
}
