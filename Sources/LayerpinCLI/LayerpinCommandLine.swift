import ArgumentParser
import Foundation
import LayerpinCore

/// The `layerpin` command tree and its one exit point: 0 ok, 1 a difference was found,
/// 2 bad usage or bad input.
public enum LayerpinCommandLine {
    public static func main(_ arguments: [String]) -> Never {
        do {
            var command = try Layerpin.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch let error as LayerpinError {
            Output.diagnostic(ErrorWording.describe(error))
            exit(2)
        } catch {
            let message = Layerpin.fullMessage(for: error)
            if Layerpin.exitCode(for: error) == .success {
                Output.write(message + "\n")
                exit(0)
            }
            Output.diagnostic(message)
            exit(2)
        }
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
            InitCommand.self, HookCommand.self, ComposeCommand.self, DoctorCommand.self,
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
}
