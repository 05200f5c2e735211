import LayerpinDockerfile
import LayerpinIgnore

extension DockerfileLinter {
    /// Lints the Dockerfile at `path` (named on the command line) against the context at `root`:
    /// parsed, then checked with the context's entries and groups as they stand, before this run
    /// writes its own stat cache.
    package static func lint(
        file path: String, context root: String, dockerfile: String?, configFile: String?, useStatCache: Bool = true,
        engine: EngineSelection = .configuredOrDetected
    ) throws(LayerpinError) -> [LintFinding] {
        let text = String(decoding: try NamedFile.read(path), as: UTF8.self)
        var fingerprinter = Fingerprinter(root: root, dockerfile: dockerfile, configFile: configFile)
        fingerprinter.useStatCache = useStatCache
        fingerprinter.engine = engine
        let frontend = try fingerprinter.generation().dockerfileFrontend
        let file: Dockerfile
        do {
            file = try DockerfileParser.parse(text, frontend: frontend)
        } catch {
            throw .invalidDockerfile(file: path, error)
        }
        let rootDirectory = try OpenDirectory(root)
        let fingerprint = try fingerprinter.fingerprint(in: rootDirectory)
        let context = try BuildContext.scan(
            in: rootDirectory, dockerfile: dockerfile, generation: fingerprint.ignore.generation)
        var grouped = Set<[UInt8]>()
        for group in fingerprint.groups { for entry in group.entries { grouped.insert(entry.path) } }
        return lint(
            file,
            context: .init(entries: context.entries.map(\.path), grouped: grouped, workdir: fingerprint.config.workdir))
    }
}
