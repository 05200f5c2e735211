import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin compose`: the override that makes compose recreate exactly what changed.
struct ComposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Write .layerpin/compose.override.yml (build args, labels, digest image tags); --build builds first.",
        discussion: """
            Then: docker-compose -f docker-compose.yml -f .layerpin/compose.override.yml up -d (or docker compose, \
            the same files): a container is recreated exactly when its source digest changed.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The compose project directory.", valueName: "dir"))
    var root: String = "."

    @Option(
        name: .customLong("compose-file"),
        help: ArgumentHelp(
            "The compose file, relative to the root (default: compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml).",
            valueName: "file"))
    var composeFile: String?

    @Flag(name: .long, help: "Build each service's image with layerpin build first.")
    var build = false

    func run() throws {
        let docker = DockerClient.defaultCLI
        let result = try Compose(root: root, file: composeFile, docker: docker).run(build: build)
        for warning in result.warnings { Output.warning(warning) }
        var text = ""
        for service in result.images.keys.sorted() { text += "\(service) \(result.images[service]!)\n" }
        text += "wrote \(result.override): docker-compose -f \(result.composeFile) -f \(result.override) up -d\n"
        Output.write(text)
        for (service, error) in result.failures {
            Output.diagnostic(
                "service \(service) was not built, and is left out of the override: \(ErrorWording.describe(error))")
        }
        if !result.failures.isEmpty { throw DifferenceFound() }
    }
}
