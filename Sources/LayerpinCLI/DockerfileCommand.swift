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
            --from keeps every other line and comment as it was, and pinning a pinned file changes nothing. \
            -o FILE writes through a temporary name and a rename; the default is stdout.
            """
    )

    @OptionGroup var options: PlanOptions

    @Option(name: .long, help: ArgumentHelp("An existing Dockerfile to pin.", valueName: "file"))
    var from: String?

    @Option(name: .customShort("o"), help: ArgumentHelp("Write to FILE instead of stdout.", valueName: "file"))
    var output: String?

    func run() throws {
        let bytes = try DockerfileRenderer.dockerfile(for: options.fingerprinter, pinning: from)
        if let output {
            try NamedFile.write(output, bytes)
        } else {
            Output.write(bytes)
        }
    }
}
