import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin hook install`.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Install the git hook that runs `layerpin check`.",
        subcommands: [Install.self]
    )

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a pre-commit (default) or pre-push hook that runs `layerpin check`.")

        @OptionGroup var root: RootOptions

        @Flag(help: "Which hook.") var kind: GitHook.Kind = .preCommit

        @Flag(name: .long, help: "Replace a hook layerpin did not write.")
        var force = false

        func run() throws {
            let me = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
            let executable = CommandLine.arguments[0].contains("/") ? me : "layerpin"
            let path = try GitHook(root: root.root, kind: kind, executable: executable).install(force: force)
            Output.write("installed \(path)\n")
        }
    }
}

extension GitHook.Kind: EnumerableFlag {}
