import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin args`: the build args in the format a build step wants.
struct ArgsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "args",
        abstract: "Print the build args (LAYERPIN_<GROUP>_DIGEST, LAYERPIN_COMMIT) and image tags.",
        discussion: """
            docker: words for `docker build $(layerpin args --format docker) .`; env: a compose .env; \
            make: a Makefile include; github: lines for $GITHUB_OUTPUT; json; shell: export lines.
            """
    )

    @OptionGroup var options: PlanOptions

    @Option(name: .long, help: "docker, env, make, github, json or shell.")
    var format: BuildArgs.Format = .env

    func run() throws {
        let (manifest, fingerprint) = try options.planner.manifest()
        Warnings.print(fingerprint)
        Output.write(BuildArgs(manifest).render(format))
    }
}

extension BuildArgs.Format: ExpressibleByArgument {}
