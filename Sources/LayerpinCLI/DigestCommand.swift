import ArgumentParser
import LayerpinCore

/// `layerpin digest`: one digest per layer group, then the whole context.
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the content digest of each layer group and of the whole build context.",
        discussion: """
            One line per group, lower layers first ('NAME sha256:HEX'), then 'context sha256:HEX'. \
            The digest is specified in docs/digest-spec.md.
            """
    )

    @OptionGroup var options: RootOptions

    @Option(name: .long, help: ArgumentHelp("The configuration file, relative to the root.", valueName: "file"))
    var config: String?

    @Flag(name: .long, help: "Print JSON: each digest with its entry count and bytes.")
    var json = false

    @Option(
        name: .long, help: ArgumentHelp("Compute from git objects at this revision (no checkout).", valueName: "rev"))
    var git: String?

    @Flag(name: .long, help: "Neither read nor write the stat cache (kept outside the context).")
    var noCache = false

    func run() throws {
        var fingerprinter = Fingerprinter(root: options.root, dockerfile: options.file, configFile: config)
        fingerprinter.useStatCache = !noCache
        fingerprinter.engine = options.engineSelection
        let fingerprint = try Progress.run("hashing the build context of \(options.root)") {
            try git.map { revision in try fingerprinter.fingerprint(gitRevision: revision) }
                ?? fingerprinter.fingerprint()
        }
        Warnings.print(fingerprint)
        if json {
            Output.write(Self.json(fingerprint).canonicalText)
        } else {
            var text = ""
            for group in fingerprint.groups + [fingerprint.context] {
                text += "\(group.name) \(group.digest)\n"
            }
            Output.write(text)
        }
        LeftForExit.keep(fingerprint)
    }

    static func json(_ fingerprint: Fingerprint) -> JSONValue {
        func describe(_ group: GroupDigest) -> JSONValue {
            .object([
                "name": .string(group.name),
                "digest": .string(group.digest.description),
                "entries": .int(Int64(group.count)),
                "bytes": .int(group.bytes),
            ])
        }
        return .object([
            "ecosystem": .string(fingerprint.ecosystem.rawValue),
            "groups": .array(fingerprint.groups.map(describe)),
            "context": describe(fingerprint.context),
            "ignoreFile": fingerprint.ignoreFile.map { .string($0) } ?? .null,
        ])
    }
}
