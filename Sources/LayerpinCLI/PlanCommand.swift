import ArgumentParser
import Foundation
import LayerpinCore

/// Options of the commands that build a manifest.
struct PlanOptions: ParsableArguments {
    @OptionGroup var root: RootOptions

    @Option(name: .long, help: ArgumentHelp("The configuration file, relative to the root.", valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The Dockerfile stage to build (default: layerpin.yaml target:, else the last).", valueName: "stage"))
    var target: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The platform to build for, os/arch[/variant] (default: layerpin.yaml platform:, else $DOCKER_DEFAULT_PLATFORM, else the engine's when building, else this machine's).",
            valueName: "platform"))
    var platform: Platform?

    @Flag(name: .long, help: "Neither read nor write the stat cache (kept outside the context).")
    var noCache = false

    var planner: Planner {
        var planner = Planner(root: root.root, dockerfile: root.file, configFile: config)
        planner.fingerprinter.useStatCache = !noCache
        planner.fingerprinter.target = target
        planner.fingerprinter.platform = platform
        planner.fingerprinter.engine = root.engineSelection
        return planner
    }

    var fingerprinter: Fingerprinter { planner.fingerprinter }
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
        let plan = try Progress.run("hashing the build context of \(options.root.root)") { try planner.plan() }
        Warnings.print(plan.fingerprint)
        if plan.manifest.coveredDirectories.contains("/") {
            Output.warning(
                "the context is copied to /: extra files there cannot be told from the system's, so verify.sh and layerpin verify check only the top-level names it puts there; copy it into a directory of its own, under a WORKDIR (layerpin lint: LP009)"
            )
        }
        Output.write(json ? Self.json(plan).canonicalText : Self.text(plan))
        LeftForExit.keep(plan)
    }

    static func json(_ plan: Planner.Plan) -> JSONValue {
        var report = Report.json(plan.changes, manifest: plan.manifest)
        if case .object(var members) = report {
            members["written"] = .array(
                [plan.outputs.manifest, plan.outputs.buildArgs, plan.outputs.verifier].map { .string($0) })
            members["first"] = .bool(plan.changes == nil)
            report = .object(members)
        }
        return report
    }

    static func text(_ plan: Planner.Plan) -> String {
        var text = ""
        for group in plan.manifest.groups { text += "\(group.name) \(group.digest)\n" }
        text += "context \(plan.manifest.context)\n"
        if let outside = Report.outsideLayers(plan.manifest) {
            text += "in no layer (no COPY takes them; a change there changes only the context digest): \(outside)\n"
        }
        text += plan.changes.map(Report.text) ?? "first plan: every layer builds\n"
        let outputs = plan.outputs
        text += "wrote \(outputs.manifest), \(outputs.buildArgs), \(outputs.verifier)\n"
        return text
    }
}
