import ArgumentParser
import Foundation
import LayerpinCore

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
        let before = try Manifest.load(old)
        let after = try Manifest.load(new)
        let diff = ManifestDiff(old: before, new: after)
        if json {
            Output.write(Report.json(diff, manifest: after).canonicalText)
        } else {
            Output.write(Report.text(diff))
        }
        if !diff.isEmpty { throw DifferenceFound() }
    }
}
