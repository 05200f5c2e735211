import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin deploy`: plan, build what changed, recreate what changed, wait, verify every service.
struct DeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a compose project: rebuild and recreate exactly what changed, then verify every container.",
        discussion: """
            Every service that builds is planned; an image is built (from layerpin's own archive) only \
            when the engine has none of the same context and recipe; the project is brought up with \
            .layerpin/deploy.override.yml (each service's image), so compose recreates exactly the \
            containers whose image changed and keeps the others; each recreated container is waited for (its healthcheck, else its \
            start-up line); then every service's container is verified against the working tree. One line \
            per service on stdout, then a summary; progress on stderr. Exit 0 when every container runs \
            the working tree's code, 1 otherwise (with doctor's cause and fix; running containers are left \
            running), 2 on bad input. Works against a remote engine (DOCKER_HOST=ssh://…, a docker context).
            """
    )

    @OptionGroup var project: ComposeProjectOptions

    @Option(
        name: .long,
        help: ArgumentHelp("Seconds a recreated container may take to run.", valueName: "seconds"))
    var timeout: Double = 120

    @Flag(name: .long, help: "Say what would be rebuilt and recreated; touch nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    @Argument(help: ArgumentHelp("The services to deploy (default: every service that builds).", valueName: "service"))
    var services: [String] = []

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        let client = DockerClient()
        var deploy = Deploy(
            compose: Compose(root: project.root, selection: project.selection, only: services, docker: client.docker),
            client: client)
        deploy.timeout = timeout
        deploy.dryRun = dryRun
        let outcome = try deploy.run { step in Self.report(step) }
        for warning in outcome.warnings { Output.warning(warning) }
        Output.write(json ? Self.json(outcome).canonicalText : Self.text(outcome))
        if !dryRun { Output.diagnostic(Self.describe(outcome.phases)) }
        if !outcome.ok { throw DifferenceFound() }
    }

    /// A step that took a second or more, on stderr.
    static func report(_ step: Deploy.Step) {
        let line: String
        let seconds: Double
        switch step {
        case .planned(let count, let rebuilt, let failed, let took):
            (line, seconds) = (
                "planned \(count) service(s)"
                    + (rebuilt.isEmpty && failed.isEmpty ? ", nothing to build" : "")
                    + (rebuilt.isEmpty ? "" : ", built \(rebuilt.joined(separator: ", "))")
                    + (failed.isEmpty ? "" : ", the build of \(failed.joined(separator: ", ")) failed"),
                took
            )
        case .broughtUp(let took): (line, seconds) = ("brought the project up", took)
        case .started(let service, let took): (line, seconds) = ("\(service) running", took)
        case .verified(let service, let took): (line, seconds) = ("\(service) verified", took)
        }
        if seconds >= 1 { Output.diagnostic("\(line) in \(String(format: "%.1f", seconds)) s") }
    }

    static func text(_ outcome: Deploy.Outcome) -> String {
        var text = ""
        for result in outcome.services {
            let source = result.source.map { String($0.hex.prefix(12)) } ?? "-"
            var columns = [result.service, "commit \(Output.shown(String(result.commit.prefix(12))))", "src \(source)"]
            if outcome.dryRun {
                columns += [result.rebuilt ? "would rebuild" : "reuse", result.recreated ? "would recreate" : "keep"]
            } else {
                columns += [
                    result.rebuilt ? "rebuilt" : "reused", result.recreated ? "recreated" : "kept",
                    "\(result.filesVerified) files verified", String(format: "%.1fs", result.seconds),
                ]
                if !result.ok { columns.append("FAILED") }
            }
            text += columns.joined(separator: "  ") + "\n"
        }
        let rebuilt = outcome.services.count(where: \.rebuilt)
        let recreated = outcome.services.count(where: \.recreated)
        if outcome.dryRun {
            return text + "dry run: \(rebuilt) would be rebuilt, \(recreated) recreated; nothing was touched\n"
        }
        let failed = outcome.services.filter { !$0.ok }
        guard failed.isEmpty else {
            for result in failed {
                for failure in result.failures { text += "\(result.service): \(describe(failure))\n" }
                for diagnosis in result.diagnoses {
                    text +=
                        "\(result.service): cause: \(diagnosis.cause): "
                        + "\(DeployWording.describe(diagnosis.finding, subject: result.container ?? result.service))\n"
                        + "  fix: \(diagnosis.fix)\n"
                }
            }
            return text
                + "deploy failed: \(failed.map(\.service).joined(separator: ", ")) (\(failed.count) of \(outcome.services.count) services); the others are running\n"
        }
        return text
            + "deployed \(outcome.services.count) service(s): \(rebuilt) rebuilt, \(recreated) recreated; every container runs the working tree's code\n"
    }

    static func describe(_ failure: Deploy.Failure) -> String {
        switch failure {
        case .build(let error): "the image was not built: \(ErrorWording.describe(error))"
        case .notRunning(let state, let health, let seconds):
            "the container is not running after \(String(format: "%.0f", seconds)) s: \(state)"
                + (health.map { " (\($0))" } ?? "")
        case .notVerified: "the container does not run the working tree's code"
        }
    }

    /// `time: plan 0.4 s, build 3.1 s, up 1.2 s, start 0.3 s, verify 0.8 s`.
    static func describe(_ phases: Deploy.Phases) -> String {
        let parts = [
            ("plan", phases.plan), ("build", phases.build), ("up", phases.up), ("start", phases.start),
            ("verify", phases.verify),
        ]
        return "time: " + parts.map { "\($0.0) \(String(format: "%.1f", $0.1)) s" }.joined(separator: ", ")
    }

    static func json(_ outcome: Deploy.Outcome) -> JSONValue {
        func milliseconds(_ seconds: Double) -> JSONValue { .int(Int64((seconds * 1000).rounded())) }
        let phases = outcome.phases
        return .object([
            "ok": .bool(outcome.ok),
            "dryRun": .bool(outcome.dryRun),
            "milliseconds": .object([
                "plan": milliseconds(phases.plan), "build": milliseconds(phases.build), "up": milliseconds(phases.up),
                "start": milliseconds(phases.start), "verify": milliseconds(phases.verify),
            ]),
            "services": .array(
                outcome.services.map { result in
                    .object([
                        "service": .string(result.service),
                        "commit": .string(result.commit),
                        "source": result.source.map { .string($0.description) } ?? .null,
                        "rebuilt": .bool(result.rebuilt),
                        "recreated": .bool(result.recreated),
                        "container": result.container.map { .string($0) } ?? .null,
                        "filesVerified": .int(Int64(result.filesVerified)),
                        "seconds": .string(String(format: "%.1f", result.seconds)),
                        "ok": .bool(result.ok),
                        "failures": .array(result.failures.map { .string(describe($0)) }),
                        "causes": .array(
                            result.diagnoses.map {
                                .object([
                                    "cause": .string($0.cause),
                                    "detail": .string(
                                        DeployWording.describe($0.finding, subject: result.container ?? result.service)),
                                    "fix": .string($0.fix),
                                ])
                            }),
                    ])
                }),
        ])
    }
}
