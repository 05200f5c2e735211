import Foundation
import LayerpinDockerfile
import LayerpinIgnore

/// One lint finding: a stable rule id, a one-line message, the line, and a fix hint.
package struct LintFinding: Sendable, Equatable {
    package enum Severity: String, Sendable, Comparable {
        case info, warning, error

        package static func < (lhs: Severity, rhs: Severity) -> Bool {
            let order: [Severity] = [.info, .warning, .error]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    package var rule: String
    package var severity: Severity
    package var line: Int
    package var message: String
    package var hint: String
    /// The file it is in, when not the Dockerfile (a Makefile, a CI workflow), relative to the root.
    package var file: String? = nil
}

/// Cache-order and staleness rules for a Dockerfile and its build context.
package enum DockerfileLinter {
    /// The rules: id, severity, what it finds.
    package static let rules: [(id: String, severity: LintFinding.Severity, title: String)] = [
        ("LP001", .warning, "source copied before the dependency install"),
        ("LP002", .warning, "frequently changing ARG declared before the dependency install"),
        ("LP003", .warning, "cache-bust fed by the clock"),
        ("LP004", .warning, "VOLUME over the application path"),
        ("LP005", .warning, "build context carries what .dockerignore should keep out"),
        ("LP006", .info, "context files that reach no layer"),
        ("LP007", .warning, "ADD of a URL"),
        ("LP008", .info, "base image by tag only"),
        ("LP009", .warning, "the context copied to /"),
        ("LP010", .error, ".dockerignore keeps out the manifest or verifier the Dockerfile copies"),
        ("LP011", .warning, "the dependency install needs the whole source"),
        ("LP012", .info, "the stage built has no shell: no start-up check"),
        ("LP013", .info, "COPY --from an image by tag only"),
        ("LP014", .info, "ADD of a local archive: unpacked by the engine, verified as a build output"),
    ]

    /// What the linter knows about the context besides the Dockerfile.
    package struct Context: Sendable {
        /// Every entry path of the build context.
        package var entries: [[UInt8]]
        /// The paths of the dependency group (`deps`), directories included.
        package var dependencies: Set<[UInt8]>
        package var workdir: String?
        /// The stage that is built (`--target`, `layerpin.yaml` `target:`; nil: the last one).
        package var target: String?

        package init(entries: [[UInt8]], dependencies: Set<[UInt8]>, workdir: String?, target: String? = nil) {
            self.entries = entries
            self.dependencies = dependencies
            self.workdir = workdir
            self.target = target
        }
    }

    /// LP003: a build arg the Dockerfile declares, given a value from the clock where a shell
    /// evaluates it (`--build-arg CACHEBUST=$(date +%s)` in a Makefile, a script, a CI step): every
    /// build gets another value, so every layer after the `ARG` rebuilds. (`$(date)` inside the
    /// Dockerfile itself reaches no cache key: a `RUN` is keyed by its text, and `ARG`/`ENV` values
    /// are never run.)
    package static func clockFedArguments(in files: [(name: String, text: String)], declared: Set<String>)
        -> [LintFinding]
    {
        let clocks = ["$(date", "`date", "${EPOCHSECONDS", "$EPOCHSECONDS", "$(git log -1 --format=%ct"]
        var findings: [LintFinding] = []
        for (name, text) in files {
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let argument = line.range(of: "--build-arg") else { continue }
                let rest = line[argument.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
                let assignment = rest.prefix { $0 != " " && $0 != "\t" }
                guard let equals = assignment.firstIndex(of: "=") else { continue }
                let variable = String(assignment[..<equals]).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                let value = rest[rest.index(after: equals)...]
                guard declared.contains(variable), clocks.contains(where: { value.contains($0) }) else { continue }
                findings.append(
                    LintFinding(
                        rule: "LP003", severity: .warning, line: index + 1,
                        message:
                            "build arg \(variable) is fed by the clock: every build gets a new value, so every layer after ARG \(variable) rebuilds",
                        hint: "key it to a content digest instead (LAYERPIN_SRC_DIGEST from layerpin args)", file: name)
                )
            }
        }
        return findings
    }

    /// The stages `built` (default the last) is built from: itself, the stages it is built `FROM`
    /// and those it (or they) copy `--from`, as BuildKit builds them.
    static func buildPath(of file: Dockerfile, from built: Int? = nil) -> [Int] {
        guard !file.stages.isEmpty else { return [] }
        var path: [Int] = []
        var queue = [built ?? file.stages.count - 1]
        while let stage = queue.popLast() {
            guard !path.contains(stage), file.stages.indices.contains(stage) else { continue }
            path.append(stage)
            if let parent = DockerfilePinner.parent(of: stage, in: file) { queue.append(parent) }
            queue += DockerfilePinner.copySources(of: stage, in: file)
        }
        return path.sorted()
    }

    /// The application path a `VOLUME` on `volume` hides, if any: one it lies above (or on), or one
    /// it lies below where the context puts something (compared by component: `WORKDIR /` with
    /// `VOLUME /data` hides nothing unless the context has a `data`).
    static func shadowedApplication(by volume: String, in mappings: [Manifest.Mapping], entries: [[UInt8]]) -> String? {
        // The outermost application path it covers is the one to name.
        let covered = mappings.map(\.image).filter { ImagePath.isWithin($0, volume) }
        if let outermost = covered.min(by: { ImagePath.components($0).count < ImagePath.components($1).count }) {
            return outermost
        }
        for mapping in mappings {
            guard ImagePath.isWithin(volume, mapping.image) else { continue }
            let below = ImagePath.components(volume).dropFirst(ImagePath.components(mapping.image).count)
            let relative = Array(below.joined(separator: "/").utf8)
            let path = mapping.context.isEmpty ? relative : mapping.context + [RawPath.separator] + relative
            if entries.contains(where: { RawPath.isWithin($0, path) }) { return volume }
        }
        return nil
    }

    /// Every directory the entries lie in, at every depth (an empty directory, with nothing below
    /// it, is not among them: the linter knows paths, not kinds).
    static func directories(of entries: [[UInt8]]) -> Set<[UInt8]> {
        var directories = Set<[UInt8]>()
        for entry in entries {
            var path = entry
            while let slash = path.lastIndex(of: RawPath.separator) {
                path = Array(path[..<slash])
                guard directories.insert(path).inserted else { break }
            }
        }
        return directories
    }

    /// How to split an install that builds from the whole source, in its own tool's terms.
    static func splitHint(for instruction: Instruction) -> String {
        let words = instruction.words.joined(separator: " ")
        if words.contains("cargo ") {
            return
                "copy Cargo.toml and Cargo.lock first and build the dependencies alone (cargo fetch, or cargo build with a stub src/main.rs), then copy src/ and build"
        }
        if ["npm ", "yarn ", "pnpm "].contains(where: words.contains) {
            return
                "copy package.json and the lockfile first and install (npm ci), then copy the source and run the build"
        }
        if words.contains("go ") {
            return "copy go.mod and go.sum first and run go mod download, then copy the source and build"
        }
        return
            "install the dependencies alone first (pip install -r requirements.txt, or pip install with only pyproject.toml copied), then copy the source and install it with --no-deps"
    }

    static let changingArgs = [
        "LAYERPIN_SRC_DIGEST", "LAYERPIN_COMMIT", "CACHEBUST", "CACHE_BUST", "GIT_COMMIT", "COMMIT",
        "GIT_SHA", "BUILD_DATE", "BUILD_TIME", "VERSION_SHA",
    ]

    package static func lint(_ file: Dockerfile, context: Context) -> [LintFinding] {
        var findings: [LintFinding] = []
        func add(_ rule: String, _ line: Int, _ message: String, _ hint: String, severity: LintFinding.Severity? = nil)
        {
            let severity = severity ?? rules.first { $0.id == rule }!.severity
            findings.append(LintFinding(rule: rule, severity: severity, line: line, message: message, hint: hint))
        }
        // Where the context lands in the image, as the build lays it out (else the workdir).
        let directories = Self.directories(of: context.entries)
        let reading = ImageLayout.read(file, directories: directories, paths: context.entries, target: context.target)
        let application =
            reading?.mappings ?? [Manifest.Mapping(context: [], image: context.workdir ?? "/app")]
        // The stage built and those it is built from (FROM a stage, COPY --from), each with its
        // install: the only ones the findings are about (a `dev-envs` stage after it is not built).
        let built = DockerfilePinner.targetStage(context.target, in: file) ?? max(0, file.stages.count - 1)
        let path = Self.buildPath(of: file, from: built)
        let installs = Dictionary(
            uniqueKeysWithValues: path.compactMap { stage in
                DockerfilePinner.installIndex(in: file, stage: stage).map { (stage, $0) }
            })
        func stage(of index: Int) -> Int? { file.stages.lastIndex { $0.from <= index } }
        for (index, instruction) in file.instructions.enumerated() {
            guard let inStage = stage(of: index), path.contains(inStage) else { continue }
            let line = instruction.lines.lowerBound
            switch instruction.keyword {
            case "FROM":
                let image = instruction.words.first ?? ""
                let isStage = file.stages.contains { $0.name != nil && $0.name == image }
                if !image.contains("@sha256:") && image != "scratch" && !isStage && !image.contains("$") {
                    add(
                        "LP008", line, "base image \(image) is named by tag only", "pin it by digest: \(image)@sha256:…"
                    )
                }
            case "COPY", "ADD":
                if instruction.keyword == "ADD", DockerfilePinner.copiesContext(instruction) {
                    for source in instruction.words.dropLast()
                    where !source.contains("://") && ImageLayout.isLocalArchive(source) {
                        add(
                            "LP014", line,
                            "ADD \(source) unpacks the archive: the image holds what it unpacks, not the archive, and that is checked as a build output, not against the context",
                            "COPY it instead if the image needs the archive itself; keep ADD to unpack it")
                    }
                }
                if instruction.keyword == "ADD" {
                    if instruction.words.dropLast().contains(where: {
                        $0.hasPrefix("http://") || $0.hasPrefix("https://")
                    }) {
                        if let checksum = instruction.flag("checksum") {
                            add(
                                "LP007", line,
                                "ADD of a URL pinned by --checksum=\(checksum): the build refuses other content, though it is in no layerpin digest",
                                "keep the checksum current when the URL's content changes", severity: .info)
                        } else {
                            add(
                                "LP007", line,
                                "ADD of a URL is fetched on every build and its content is not in any digest",
                                "pin it with ADD --checksum=sha256:…, download it in a RUN with a checksum, or vendor it into the context"
                            )
                        }
                    }
                }
                // An install that needs the whole source is LP011's, with the split it takes.
                guard let stage = stage(of: index), let install = installs[stage], index < install,
                    DockerfilePinner.copiesContext(instruction),
                    !DockerfilePinner.needsWholeSource(file.instructions[install])
                else { break }
                let sources = instruction.words.dropLast().filter { !$0.contains("://") }
                // The whole context, or a path of it that is no dependency file (`COPY react-app .`).
                let entries = Set(context.entries)
                let copiesSource =
                    sources.contains { $0 == "." || $0 == "./" }
                    || sources.contains { source in
                        let path = Array(PathCleaner.clean(source).utf8)
                        return entries.contains(path) && !context.dependencies.contains(path)
                            && !source.contains(where: { "*?[".contains($0) }) && !isDependencyName(source)
                    }
                if copiesSource {
                    add(
                        "LP001", line,
                        "source is copied before the dependency install: every code change reinstalls dependencies",
                        "copy only the dependency manifests before the install, the rest after it (layerpin dockerfile --from)"
                    )
                }
            case "ARG":
                let name = String(instruction.words.first?.split(separator: "=").first ?? "")
                if let install = installs[inStage], index < install, changingArgs.contains(name.uppercased()) {
                    add(
                        "LP002", line, "ARG \(name) changes often and is declared before the dependency install",
                        "declare it after the install step: an ARG invalidates every later RUN")
                }
            case "VOLUME":
                for volume in instruction.words {
                    if let app = shadowedApplication(by: volume, in: application, entries: context.entries) {
                        add(
                            "LP004", line,
                            "VOLUME \(volume) covers the application at \(app): compose keeps the old anonymous volume and hides new code",
                            "drop the VOLUME, or put data elsewhere (docker/compose#9450)")
                        break
                    }
                }
            default:
                break
            }
        }
        // LP005 points at the copy of the whole context that takes the junk into the image.
        let contextCopy = file.instructions.enumerated().first { index, instruction in
            stage(of: index).map(path.contains) == true && DockerfilePinner.copiesContext(instruction)
                && instruction.words.dropLast().contains { $0 == "." || $0 == "./" }
        }
        for junk in [".git", "__pycache__", "node_modules"] {
            let component = Array(junk.utf8)
            guard
                context.entries.contains(where: {
                    $0.split(separator: RawPath.separator).contains { Array($0) == component }
                })
            else { continue }
            if let contextCopy {
                add(
                    "LP005", contextCopy.element.lines.lowerBound,
                    "\(junk) is part of the build context, and this copies it into the image",
                    "add \(junk) to .dockerignore")
            } else {
                // No COPY takes it in: it is sent with every build, and the line to change is the ignore file's.
                findings.append(
                    LintFinding(
                        rule: "LP005", severity: .warning, line: 1,
                        message: "\(junk) is part of the build context: it is sent to the engine with every build",
                        hint: "add \(junk) to .dockerignore", file: ".dockerignore"))
            }
        }
        // LP011: an install that builds from the whole source (`pip install .`): every code change
        // reinstalls, and the copy cannot be split without moving the install.
        for stage in path {
            guard let install = installs[stage] else { continue }
            let instruction = file.instructions[install]
            if DockerfilePinner.needsWholeSource(instruction) {
                add(
                    "LP011", instruction.lines.lowerBound,
                    "the dependency install builds from the whole source: every code change reinstalls the dependencies",
                    Self.splitHint(for: instruction))
            }
        }
        // LP012: a built stage without a shell (`FROM scratch`, distroless) runs no start-up check.
        if file.stages.indices.contains(built), !DockerfilePinner.hasShell(built, in: file) {
            add(
                "LP012", file.instructions[file.stages[built].from].lines.lowerBound,
                "the stage built has no shell: the pinned image carries its manifest and labels, but no start-up check can run in it",
                "check it from outside after each deploy: layerpin verify --image or --container")
        }
        // LP013: `COPY --from=image:tag` (an image, not a stage) by tag only.
        for (index, instruction) in file.instructions.enumerated() where instruction.keyword == "COPY" {
            guard let source = instruction.flag("from"), let stage = stage(of: index), path.contains(stage),
                DockerfilePinner.stage(named: source, before: stage, in: file) == nil,
                !source.contains("@sha256:"), !source.contains("$")
            else { continue }
            add(
                "LP013", instruction.lines.lowerBound,
                "COPY --from=\(source) copies from an image named by tag only: what it copies can change under the same tag",
                "pin it by digest: --from=\(source)@sha256:…")
        }
        // LP009: `COPY . .` with no WORKDIR puts the context at `/`, among the system's own files:
        // an extra file there cannot be told from the system's, so only the names the context puts
        // at the top are verified.
        // A stage built FROM another starts in that one's WORKDIR.
        var workdirs: [Int: String] = [:]
        for stage in file.stages.indices {
            guard let (first, end) = DockerfilePinner.bounds(of: stage, in: file) else { continue }
            var directory =
                DockerfilePinner.parent(of: stage, in: file).flatMap { workdirs[$0] } ?? context.workdir ?? "/"
            defer { workdirs[stage] = directory }
            for instruction in file.instructions[first..<end] {
                if instruction.keyword == "WORKDIR", let next = instruction.words.first {
                    directory = next.hasPrefix("/") ? next : directory + "/" + next
                }
                guard path.contains(stage) else { continue }
                guard instruction.keyword == "COPY" || instruction.keyword == "ADD", !instruction.has(flag: "from"),
                    instruction.heredocs.isEmpty, let destination = instruction.words.last,
                    instruction.words.dropLast().contains(where: { $0 == "." || $0 == "./" })
                else { continue }
                let target = destination.hasPrefix("/") ? destination : directory + "/" + destination
                if ImagePath.components(target).isEmpty {
                    add(
                        "LP009", instruction.lines.lowerBound,
                        "the context is copied to /: extra files there cannot be told from the system's, so only the top-level names it puts there are verified",
                        destination.hasPrefix("/")
                            ? "copy it into a directory of its own (\(instruction.keyword) . /app)"
                            : "set WORKDIR /app (or another directory) before the \(instruction.keyword)")
                }
            }
        }
        // LP006 (info): the context files no COPY of the build takes, all of them, by directory: they
        // are in no layer group (the groups follow the Dockerfile, `ImageLayout.Reading.copied`), so a
        // change there changes the context digest and no layer. The files that steer the build
        // itself (the ignore files, Dockerfiles, layerpin.yaml, layerpin's own plan) are not news.
        let copied = reading?.copied ?? []
        let unreached = context.entries.filter { entry in
            !directories.contains(entry) && !Self.steersTheBuild(entry)
                && !copied.contains { $0.isEmpty || RawPath.isWithin(entry, $0) }
        }
        if !copied.isEmpty, !unreached.isEmpty {
            let listed = Self.listedByTopLevelName(unreached)
            add(
                "LP006", contextCopy?.element.lines.lowerBound ?? file.instructions.last?.lines.upperBound ?? 1,
                "\(unreached.count) context file(s) reach no layer: \(listed); a change there changes only the context digest",
                "leave them out of the context in .dockerignore if the image never needs them")
        }
        return findings.sorted { $0.line != $1.line ? $0.line < $1.line : $0.rule < $1.rule }
    }

    /// Context paths by their top-level name, in order, a directory with how many of them lie
    /// below it: `README.md, .github/ (2)`.
    package static func listedByTopLevelName(_ paths: [[UInt8]]) -> String {
        var names: [(String, Int)] = []
        for path in paths {
            let parts = path.split(separator: RawPath.separator, maxSplits: 1)
            let name = parts.count > 1 ? RawPath.display(Array(parts[0])) + "/" : RawPath.display(path)
            if let at = names.firstIndex(where: { $0.0 == name }) {
                names[at].1 += 1
            } else {
                names.append((name, 1))
            }
        }
        return names.map { $0.0.hasSuffix("/") ? "\($0.0) (\($0.1))" : $0.0 }.joined(separator: ", ")
    }

    /// A file that steers the build rather than being built: an ignore file, a Dockerfile,
    /// `layerpin.yaml`, anything under `.layerpin/`.
    static func steersTheBuild(_ path: [UInt8]) -> Bool {
        let name = RawPath.display(Array(path.split(separator: RawPath.separator).last ?? []))
        return RawPath.isWithin(path, Array(".layerpin".utf8)) || name == ".dockerignore"
            || name.hasSuffix(".dockerignore") || name.hasPrefix("Dockerfile") || name.hasSuffix(".Dockerfile")
            || name == "layerpin.yaml"
    }

    static func isDependencyName(_ name: String) -> Bool {
        Ecosystem.allCases.contains {
            $0.isDependencyFile(Array(name.split(separator: "/").last.map(String.init)?.utf8 ?? "".utf8))
        }
    }
}
