import ArgumentParser
import Foundation
import LayerpinCore

/// `layerpin context`: what Docker would send as the build context.
struct ContextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "List the entries Docker would send as the build context, or write them as a deterministic tar.",
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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write a deterministic tar of the context to FILE, or - for stdout (a Dockerfile the context excludes as .layerpin/Dockerfile).",
            valueName: "file"
        ))
    var tar: String?

    @Flag(name: .long, help: "Compress the tar with gzip (no timestamp in the header).")
    var gzip = false

    func validate() throws {
        if tar != nil && (list || null) { throw ValidationError("--tar writes an archive; --list and -z list paths") }
        if gzip && tar == nil { throw ValidationError("--gzip needs --tar") }
    }

    func run() throws {
        var fingerprinter = Fingerprinter(root: options.root, dockerfile: options.file)
        fingerprinter.engine = options.engineSelection
        let generation = try fingerprinter.generation()
        if let tar {
            let archive = ContextArchive(
                root: options.root, dockerfile: options.file, generation: generation,
                mtime: ContextArchive.mtime(root: options.root, environment: ProcessInfo.processInfo.environment),
                gzip: gzip)
            if tar == "-" {
                try archive.write(to: 1)
            } else {
                try archive.write(toFile: tar)
            }
            return
        }
        let context = try BuildContext.scan(
            root: options.root, dockerfile: options.file, generation: generation, checkReadable: true)
        var out: [UInt8] = []
        let terminator: UInt8 = null ? 0 : UInt8(ascii: "\n")
        for entry in context.entries {
            out += entry.path
            out.append(terminator)
        }
        Output.write(out)
    }
}
