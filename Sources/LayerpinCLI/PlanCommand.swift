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
