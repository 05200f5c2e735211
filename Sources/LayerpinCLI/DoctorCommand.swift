import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin doctor`: why a container runs other code than expected.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Explain why a container runs other code than the working tree holds, and how to fix it.",
        discussion: "Exit 0 when the container runs exactly the working tree's code, 1 when a cause was found."
    )

    @OptionGroup var root: RootOptions

    @Option(name: .long, help: ArgumentHelp("The container.", valueName: "name"))
    var container: String?

    @Option(
        name: .long, help: ArgumentHelp("A compose service of this project (its running container).", valueName: "name")
    )
    var service: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --service: the compose file, relative to the root (default: the one compose finds).",
            valueName: "file"))
    var composeFile: String?

    @Flag(name: .long, help: "Print the diagnosis as JSON.")
    var json = false

    func validate() throws {
        guard (container == nil) != (service == nil) else {
            throw ValidationError("give --container NAME or --service NAME")
        }
    }

    func run() throws {
        let subject: Doctor.Subject = service.map { .service($0) } ?? .container(container!)
        let (name, diagnoses, report) = try Doctor(root: root.root, client: DockerClient(), composeFile: composeFile)
            .diagnose(subject)
        if json {
            Output.write(
                JSONValue.object([
                    "container": .string(name),
                    "ok": .bool(diagnoses.isEmpty),
                    "runsCommit": .string(report.manifest.commit),
                    "causes": .array(
                        diagnoses.map {
                            .object([
                                "cause": .string($0.cause),
                                "detail": .string(DeployWording.describe($0.finding, subject: name)),
                                "fix": .string($0.fix),
                            ])
                        }),
                    "mismatches": Report.json(report.files.mismatches),
                    "outputMismatches": Report.json(report.files.outputMismatches),
                ]).canonicalText)
        } else if diagnoses.isEmpty {
            Output.write("ok: \(name) runs the working tree's code (context \(report.manifest.context))\n")
        } else {
            Output.write(
                diagnoses.map {
                    "cause: \($0.cause): \(DeployWording.describe($0.finding, subject: name))\n  fix: \($0.fix)\n"
                }.joined())
        }
        if !diagnoses.isEmpty { throw DifferenceFound() }
    }
}
