import ArgumentParser
import LayerpinCore

/// `layerpin context`: what Docker would send as the build context.
struct ContextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "List the entries Docker would send as the build context (files, directories, symlinks).",
        discussion: """
            One relative path a line, sorted by bytes, with .dockerignore applied exactly as the engine \
            applies it. Paths are written as raw bytes; use -z when names may contain newlines.
            """
    )

    @OptionGroup var options: RootOptions

    @Flag(name: .long, help: "List the entries (the default).")
    var list = false

    @Flag(name: [.customShort("z"), .customLong("null")], help: "End each path with NUL instead of a newline.")
    var null = false

    func run() throws {
        let context = try BuildContext.scan(root: options.root, dockerfile: options.file, checkReadable: true)
        var out: [UInt8] = []
        let terminator: UInt8 = null ? 0 : UInt8(ascii: "\n")
        for entry in context.entries {
            out += entry.path
            out.append(terminator)
        }
        Output.write(out)
    }
}
