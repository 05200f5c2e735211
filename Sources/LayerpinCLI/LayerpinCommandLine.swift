import ArgumentParser
import Foundation
import LayerpinCore
import LayerpinIgnore

/// The `layerpin` command tree and its one exit point.
public enum LayerpinCommandLine {
    public static func main(_ arguments: [String]) -> Never {
        HostSystem.ignoreBrokenPipe()
        HostSystem.removeTemporaryFilesOnInterrupt()
        do {
            var command = try Layerpin.parseAsRoot(arguments)
            try command.run()
            exit(ExitStatus.ok)
        } catch {
            if let message = ExitStatus.diagnostic(for: error) { Output.diagnostic(message) }
            if let text = ExitStatus.standardOutput(for: error) { Output.write(text) }
            exit(ExitStatus.of(error))
        }
    }
}

/// A command found a difference (a stale manifest, a mismatching image, a lint warning, a cause):
/// what it found is already on stdout; the exit status is 1.
struct DifferenceFound: Error {}

/// The one rule from a command's outcome to its exit status: 0 ok; 1 a check, verification, lint,
/// diagnosis or build found a difference; 2 bad usage or bad input.
enum ExitStatus {
    static let ok: Int32 = 0
    static let difference: Int32 = 1
    static let badInput: Int32 = 2

    static func of(_ error: any Error) -> Int32 {
        switch error {
        case is DifferenceFound: return difference
        case let error as LayerpinError: return of(error)
        case let code as ExitCode: return code.rawValue
        default: return Layerpin.exitCode(for: error) == .success ? ok : badInput
        }
    }

    static func of(_ error: LayerpinError) -> Int32 {
        switch error {
        case .buildFailed: difference  // the engine refused the build: its output is on stderr
        default: badInput
        }
    }

    /// The line for stderr, if any.
    static func diagnostic(for error: any Error) -> String? {
        switch error {
        case is DifferenceFound, is ExitCode: nil
        case let error as LayerpinError: ErrorWording.describe(error)
        default: Layerpin.exitCode(for: error) == .success ? nil : Layerpin.fullMessage(for: error)
        }
    }

    /// What goes to stdout: `--help` and `--version` text.
    static func standardOutput(for error: any Error) -> String? {
        guard !(error is DifferenceFound), !(error is LayerpinError), !(error is ExitCode),
            Layerpin.exitCode(for: error) == .success
        else { return nil }
        return Layerpin.fullMessage(for: error) + "\n"
    }
}

struct Layerpin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layerpin",
        abstract: "Pin Docker layers to content digests of the build context, and verify them everywhere.",
        version: LayerpinVersion.current,
        subcommands: [
            ContextCommand.self, DigestCommand.self, PlanCommand.self, ArgsCommand.self, CheckCommand.self,
            DiffCommand.self, VerifyCommand.self, BuildCommand.self, DockerfileCommand.self, LintCommand.self,
            InitCommand.self, HookCommand.self, ComposeCommand.self, DeployCommand.self, DoctorCommand.self,
        ]
    )
}

/// Options every command shares.
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The build context directory.", valueName: "dir"))
    var root: String = "."

    @Option(
        name: [.customShort("f"), .long],
        help: ArgumentHelp(
            "The Dockerfile, relative to the root (selects <Dockerfile>.dockerignore).", valueName: "file"))
    var file: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Whose .dockerignore walk to follow: 20.10 or current (default: layerpin.yaml engine:, else the docker CLI's).",
            valueName: "engine"))
    var engine: EngineGeneration?

    /// How the run chooses the engine generation.
    var engineSelection: EngineSelection { engine.map(EngineSelection.named) ?? .configuredOrDetected }
}

extension EngineGeneration: ExpressibleByArgument {}

extension Platform: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
