import Foundation
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
        engine: EngineSelection = .configuredOrDetected, target: String? = nil
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
        // The stage built: --target, else layerpin.yaml's target: (read with the fingerprint below).
        func checked(_ target: String?) throws(LayerpinError) -> String? {
            guard let target, DockerfilePinner.targetStage(target, in: file) == nil else { return target }
            throw .invalidDockerfile(
                file: path, DockerfileError(line: 1, message: "no stage named '\(target)' to build"))
        }
        guard Verification.isProject(root) else {
            return LintReport(
                findings: lint(
                    file, context: .init(entries: [], dependencies: [], workdir: nil, target: try checked(target))),
                contextChecked: false)
        }
        let rootDirectory = try OpenDirectory(root)
        fingerprinter.target = target
        let fingerprint = try fingerprinter.fingerprint(in: rootDirectory)
        let built = try checked(fingerprint.target)
        let context = try BuildContext.scan(
            in: rootDirectory, dockerfile: dockerfile, generation: fingerprint.ignore.generation)
        let dependencies = Set(fingerprint.groups.filter { $0.name == "deps" }.flatMap { $0.entries.map(\.path) })
        let declared = Set(
            file.instructions.filter { $0.keyword == "ARG" }.compactMap {
                $0.words.first.map { String($0.prefix { $0 != "=" }) }
            })
        return LintReport(
            findings: lint(
                file,
                context: .init(
                    entries: context.entries.map(\.path), dependencies: dependencies,
                    workdir: fingerprint.config.workdir,
                    target: built))
                + clockFedArguments(in: buildScripts(in: root), declared: declared)
                + excludedPlanFiles(file, ignore: fingerprint.ignore),
            contextChecked: true)
    }

    /// LP010: a `COPY` of layerpin's plan (`.layerpin/manifest.json`, `verify.sh`) that the
    /// context's `.dockerignore` keeps out: the build fails at that line.
    static func excludedPlanFiles(_ file: Dockerfile, ignore: IgnoreMatcher) -> [LintFinding] {
        file.instructions.compactMap { instruction -> LintFinding? in
            guard instruction.keyword == "COPY", !instruction.has(flag: "from"),
                let excluded = instruction.words.dropLast().first(where: {
                    $0.hasPrefix(".layerpin/") && ignore.isExcluded(Array($0.utf8))
                })
            else { return nil }
            return LintFinding(
                rule: "LP010", severity: .error, line: instruction.lines.lowerBound,
                message:
                    ".dockerignore keeps \(excluded) out of the context: this COPY fails, and the image carries no manifest",
                hint: "remove the line of .dockerignore that matches it (keep .layerpin/ in the context)")
        }
    }

    /// The files beside a Dockerfile that run `docker build`: Makefiles, shell scripts at the root
    /// and in `scripts/`, CI workflows. Each read as text; an unreadable one is skipped.
    static func buildScripts(in root: String) -> [(name: String, text: String)] {
        func list(_ directory: String) -> [String] {
            let path = directory.isEmpty ? root : root + "/" + directory
            return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map {
                directory.isEmpty ? $0 : directory + "/" + $0
            }
        }
        let names =
            list("").filter {
                ["Makefile", "GNUmakefile", "makefile", "Jenkinsfile", ".gitlab-ci.yml"].contains($0)
                    || $0.hasSuffix(".mk") || $0.hasSuffix(".sh")
            } + list("scripts").filter { $0.hasSuffix(".sh") }
            + list(".github/workflows").filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        guard let directory = try? OpenDirectory(root) else { return [] }
        var scripts: [(name: String, text: String)] = []
        for name in names {
            if let bytes = (try? directory.read(Array(name.utf8), limit: 1 << 20)) ?? nil {
                scripts.append((name, String(decoding: bytes, as: UTF8.self)))
            }
        }
        return scripts
    }
}
