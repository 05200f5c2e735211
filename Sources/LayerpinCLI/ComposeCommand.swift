import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin compose`: the override that makes compose recreate exactly what changed.
struct ComposeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Write .layerpin/compose.override.yml (build args, labels, digest image tags); --build builds first.",
        discussion: """
            The project is read through the compose that runs it (`docker compose config`, or \
            `docker-compose config` for 1.29; $LAYERPIN_COMPOSE names another), with its files, profiles, \
            .env and variables. Then: docker compose -f compose.yaml -f .layerpin/compose.override.yml up -d \
            (the line printed names your files): a container is recreated exactly when its source digest \
            changed. Services that build one context each get their own plan in .layerpin/services/<service>/.
            """
    )

    @OptionGroup var project: ComposeProjectOptions

    @Flag(name: .long, help: "Build each service's image with layerpin build first.")
    var build = false

    @Argument(help: ArgumentHelp("The services to plan (default: every service that builds).", valueName: "service"))
    var services: [String] = []

    func run() throws {
        let compose = Compose(
            root: project.root, selection: project.selection, only: services, docker: DockerClient.defaultCLI)
        let result = try compose.run(build: build)
        for warning in result.warnings { Output.warning(warning) }
        var text = ""
        for service in result.images.keys.sorted() { text += "\(service) \(result.images[service]!)\n" }
        text += "wrote \(result.override): \(result.upCommand)\n"
        Output.write(text)
        for (service, error) in result.failures {
            Output.diagnostic(
                "service \(service) was not \(build ? "built" : "planned"), and is left out of the override: \(ErrorWording.describe(error))"
            )
        }
        if !result.failures.isEmpty { throw DifferenceFound() }
    }
}

/// The options that name a compose project, as compose's own: `compose` and `deploy` share them.
struct ComposeProjectOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The compose project directory.", valueName: "dir"))
    var root: String = "."

    @Option(
        name: .customLong("compose-file"),
        help: ArgumentHelp(
            "A compose file, relative to the root; repeat for several, as compose's -f (default: compose's own).",
            valueName: "file"))
    var composeFiles: [String] = []

    @Option(name: .long, help: ArgumentHelp("A compose profile to enable; repeat for several.", valueName: "name"))
    var profile: [String] = []

    @Option(name: .long, help: ArgumentHelp("The env file compose reads instead of .env.", valueName: "file"))
    var envFile: String?

    var selection: ComposeCLI.Selection { .init(files: composeFiles, profiles: profile, envFile: envFile) }
}
