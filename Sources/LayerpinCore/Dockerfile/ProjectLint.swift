import LayerpinDockerfile
import LayerpinIgnore

/// What `layerpin lint` found, and whether a build context was there to check it against.
package struct LintReport: Sendable {
    package var findings: [LintFinding]
    /// False when the root holds no project (no Dockerfile, `layerpin.yaml` or plan): the
    /// Dockerfile was checked alone, and the rules about the context's files (LP005, LP006, and
    /// LP001's file groups) could not be.
    package var contextChecked: Bool
}

extension DockerfileLinter {
    /// Lints the Dockerfile at `path` (named on the command line) against the context at `root`:
    /// parsed, then checked with the context's entries and groups as they stand, before this run
    /// writes its own stat cache. A root that holds no project is not walked: the file is checked
    /// alone, and the report says so.
    package static func lint(
        file path: String, context root: String, dockerfile: String?, configFile: String?, useStatCache: Bool = true,
        engine: EngineSelection = .configuredOrDetected
    ) throws(LayerpinError) -> LintReport {
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
        guard Verification.isProject(root) else {
            return LintReport(
                findings: lint(file, context: .init(entries: [], grouped: [], workdir: nil)), contextChecked: false)
        }
        let rootDirectory = try OpenDirectory(root)
        let fingerprint = try fingerprinter.fingerprint(in: rootDirectory)
        let context = try BuildContext.scan(
            in: rootDirectory, dockerfile: dockerfile, generation: fingerprint.ignore.generation)
        var grouped = Set<[UInt8]>()
        for group in fingerprint.groups { for entry in group.entries { grouped.insert(entry.path) } }
        return LintReport(
            findings: lint(
                file,
                context: .init(
                    entries: context.entries.map(\.path), grouped: grouped, workdir: fingerprint.config.workdir)),
            contextChecked: true)
    }
}
