import ArgumentParser
import Foundation
import LayerpinCore
import LayerpinDockerfile

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
