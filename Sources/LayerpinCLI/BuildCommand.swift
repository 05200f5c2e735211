import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin build`: plan, then build from layerpin's own context archive.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract:
            "Plan, then `docker build -` from layerpin's deterministic context archive, with args, labels and digest tags.",
        discussion: """
            The docker CLI is $LAYERPIN_DOCKER, else `docker` on PATH; DOCKER_HOST and docker contexts apply. \
            Arguments after -- go to docker build. Exit 1 when the build fails (its output is on stderr).
            """
    )

    @OptionGroup var options: PlanOptions

    @Option(name: .long, help: ArgumentHelp("Repository for the digest tag (REPO:src-<12 hex>).", valueName: "repo"))
    var tag: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A registry repository for the build cache, keyed by the deps digest (REPO:deps-<12 hex>): read before, pushed after.",
            valueName: "repo"))
    var cache: String?

    @Argument(parsing: .postTerminator, help: "Arguments for docker build.")
    var dockerArguments: [String] = []

    func run() throws {
        let build = DockerBuild(
            planner: options.planner, docker: DockerClient.defaultCLI, repository: tag,
            extraArguments: dockerArguments, cacheRepository: cache)
        let (manifest, tags) = try build.run()
        Output.write(tags.joined(separator: "\n") + "\n")
        Output.diagnostic("built commit \(manifest.commit), context \(manifest.context)")
    }
}
