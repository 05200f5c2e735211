import Foundation
import LayerpinDockerfile

/// Pins an existing Dockerfile: inserts the layerpin ARG lines, the in-build verification and the
/// labels where they belong, and splits a `COPY . .` that precedes the dependency install into
/// the dependency `COPY` (with the original's flags), the install, and the rest. Every other line
/// and comment stays as it was; pinning a pinned file changes nothing.
///
/// The stage pinned is the one the target builds from the context: the target itself (default the
/// last stage) when it copies from the context, else the nearest stage it is built `FROM` or
/// copies `--from` that does; every other stage stays byte-identical. The start-up check wraps
/// the target's own program: `ENTRYPOINT ["python3"]` becomes `ENTRYPOINT
/// ["/etc/layerpin/verify.sh", "python3"]`, a shell-form `ENTRYPOINT cmd` keeps its meaning
/// through `/bin/sh -c`, and with only a `CMD` the verifier becomes the `ENTRYPOINT` that runs it.
/// With neither (the base image's would be lost) the entry point is left alone.
package enum DockerfilePinner {
    /// Commands that install dependencies, per ecosystem.
    static let installPatterns = [
        "pip install", "pip3 install", "pip wheel", "pip3 wheel", "poetry install", "uv sync", "uv pip install",
        "pipenv install", "npm ci",
        "npm install", "yarn install", "pnpm install", "go mod download", "cargo fetch", "cargo build",
        "bundle install",
        "composer install", "mvn dependency", "gradle dependencies",
    ]

    /// Tools and package managers people install or upgrade before the dependencies: such an
    /// install is not the dependency step (`pip install --upgrade pip`, `npm install -g nodemon`).
    static let toolPackages: Set<String> = [
        "pip", "setuptools", "wheel", "poetry", "pipenv", "uv", "virtualenv", "pip-tools", "npm", "yarn", "pnpm",
        "nodemon", "corepack",
    ]

    /// The index (in `file.instructions`) of the dependency install in the last stage, if any.
    package static func installIndex(in file: Dockerfile) -> Int? {
        installIndex(in: file, stage: file.stages.count - 1)
    }

    /// The dependency install of a stage: its first `RUN` after a `COPY` from the context that
    /// installs from what was copied (not a tool's install or upgrade).
    static func installIndex(in file: Dockerfile, stage: Int) -> Int? {
        guard let (start, end) = bounds(of: stage, in: file) else { return nil }
        var copied = false
        for index in start..<end {
            let instruction = file.instructions[index]
            if instruction.keyword == "COPY" || instruction.keyword == "ADD", copiesContext(instruction) {
                copied = true
            } else if copied && instruction.keyword == "RUN" && isInstall(instruction) {
                return index
            }
        }
        return nil
    }

    package static func isInstall(_ instruction: Instruction) -> Bool {
        let text = commandText(instruction)
        // Each command of the RUN on its own: `pip install -U pip && pip install -r r.txt` installs.
        for command in text.components(separatedBy: "&&").flatMap({ $0.components(separatedBy: ";") }) {
            guard let pattern = installPatterns.first(where: { command.contains($0) }) else { continue }
            let words = command.components(separatedBy: pattern).dropFirst().joined(separator: pattern)
                .split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.contains("-g") || words.contains("--global") { continue }
            let packages = words.filter { !$0.hasPrefix("-") }
            let fromFiles = words.contains { $0 == "-r" || $0.hasPrefix("--requirement") || $0.hasPrefix("-r") }
            if !fromFiles && !packages.isEmpty && packages.allSatisfy({ toolPackages.contains(baseName($0)) }) {
                continue
            }
            return true
        }
        return false
    }

    /// `pip==24.0` → `pip`; `"setuptools>=68"` → `setuptools`.
    private static func baseName(_ package: String) -> String {
        let trimmed = package.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        return String(trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }).lowercased()
    }

    /// The install builds from the whole source: `pip install .`, `-e .`, a build in the same RUN.
    static func needsWholeSource(_ instruction: Instruction) -> Bool {
        let text = " " + commandText(instruction) + " "
        return [" install . ", " install -e . ", " install --editable . ", " run build", " build ", "setup.py"]
            .contains { text.contains($0) }
    }

    private static func commandText(_ instruction: Instruction) -> String {
        switch instruction.arguments {
        case .exec(let words): words.joined(separator: " ")
        case .shell(let text): text
        }
    }

    /// Whether a COPY copies the whole context (`COPY . <dest>`).
    static func copiesEverything(_ instruction: Instruction) -> Bool {
        instruction.keyword == "COPY" && copiesContext(instruction)
            && instruction.words.dropLast().contains { $0 == "." || $0 == "./" }
    }

    /// A COPY or ADD of context files (not `--from`, not a heredoc).
    static func copiesContext(_ instruction: Instruction) -> Bool {
        (instruction.keyword == "COPY" || instruction.keyword == "ADD") && !instruction.has(flag: "from")
            && instruction.heredocs.isEmpty && instruction.words.count >= 2
    }

    /// The first and one-past-last instruction of a stage.
    static func bounds(of stage: Int, in file: Dockerfile) -> (Int, Int)? {
        let stages = file.stages
        guard stages.indices.contains(stage) else { return nil }
        return (stages[stage].from, stage + 1 < stages.count ? stages[stage + 1].from : file.instructions.count)
    }

    /// The stage a target builds (by name, case-insensitively, or the last).
    static func targetStage(_ target: String?, in file: Dockerfile) -> Int? {
        let stages = file.stages
        guard let target else { return stages.isEmpty ? nil : stages.count - 1 }
        return stages.firstIndex { $0.name?.lowercased() == target.lowercased() }
    }

    /// The earlier stage `name` refers to, as `COPY --from` names one: by name (case-insensitively)
    /// or, with `byIndex`, by its number; nil for an image.
    static func stage(named name: String, before stage: Int, in file: Dockerfile, byIndex: Bool = true) -> Int? {
        let stages = file.stages
        let found =
            stages.firstIndex { $0.name?.lowercased() == name.lowercased() }
            ?? (byIndex ? Int(name).flatMap { stages.indices.contains($0) ? $0 : nil } : nil)
        return found.flatMap { $0 < stage ? $0 : nil }
    }

    /// The earlier stage a stage is built `FROM`, when its base is one (`FROM builder AS dev`).
    static func parent(of stage: Int, in file: Dockerfile) -> Int? {
        Self.stage(named: file.stages[stage].image, before: stage, in: file, byIndex: false)
    }

    /// The `ONBUILD` triggers a stage runs before its own first instruction: those of the stage it
    /// is built `FROM` (a stage built from it in turn does not run them again), as both engines do
    /// (`Fixtures/layouts/onbuild-triggers`). A base image's own triggers are not in the file.
    static func triggers(runBy stage: Int, in file: Dockerfile) -> [Instruction] {
        guard let parent = parent(of: stage, in: file), let (start, end) = bounds(of: parent, in: file) else {
            return []
        }
        return file.instructions[start..<end].compactMap { $0.onbuildTrigger() }
    }

    /// The stages a stage copies `--from`, its `ONBUILD`-triggered copies included.
    static func copySources(of stage: Int, in file: Dockerfile) -> [Int] {
        guard let (start, end) = bounds(of: stage, in: file) else { return [] }
        return (triggers(runBy: stage, in: file) + file.instructions[start..<end]).compactMap { instruction in
            guard instruction.keyword == "COPY", let source = instruction.flag("from") else { return nil }
            return Self.stage(named: source, before: stage, in: file)
        }
    }

    /// The stage to pin for a target: the target when it copies from the context, else the first
    /// that does among the stages it is built `FROM` (nearest first), then those it copies from.
    static func pinnedStage(for target: Int, in file: Dockerfile) -> Int? {
        var queue = [target]
        var seen: Set<Int> = []
        while !queue.isEmpty {
            let stage = queue.removeFirst()
            guard seen.insert(stage).inserted, let (start, end) = bounds(of: stage, in: file) else { continue }
            if (triggers(runBy: stage, in: file) + file.instructions[start..<end]).contains(where: copiesContext) {
                return stage
            }
            if let parent = parent(of: stage, in: file) { queue.append(parent) }
            queue += copySources(of: stage, in: file)
        }
        return nil
    }

    /// The pinned text, or the same text when it is pinned already (see `pin(bytes:…)`).
    package static func pin(
        _ text: String, dependencyFiles: [String], groups: [String], verifyMode: String? = nil, target: String? = nil,
        frontend: DockerfileFrontend = .current
    ) throws(DockerfileError) -> String {
        String(
            decoding: try pin(
                bytes: Array(text.utf8), dependencyFiles: dependencyFiles, groups: groups, verifyMode: verifyMode,
                target: target, frontend: frontend),
            as: UTF8.self)
    }

    /// The pinned file, or the same bytes when it is pinned already. Every line the pin does not
    /// change keeps its bytes (CRLF line ends, heredoc bodies included; a BOM; bytes that are not
    /// UTF-8), and the lines it adds take the file's own line end: a diff shows only layerpin's lines.
    package static func pin(
        bytes: [UInt8], dependencyFiles: [String], groups: [String], verifyMode: String? = nil, target: String? = nil,
        frontend: DockerfileFrontend = .current
    ) throws(DockerfileError) -> [UInt8] {
        let file = try DockerfileParser.parse(bytes: bytes, frontend: frontend)
        if file.instructions.contains(where: {
            $0.keyword == "ARG" && $0.words.first?.hasPrefix("LAYERPIN_SRC_DIGEST") == true
        }) {
            return bytes
        }
        guard let targetStage = targetStage(target, in: file) else {
            throw DockerfileError(line: 1, message: "no stage named '\(target ?? "")' to build")
        }
        guard let stage = pinnedStage(for: targetStage, in: file), let (start, end) = bounds(of: stage, in: file)
        else {
            throw DockerfileError(
                line: file.instructions.last?.lines.upperBound ?? 1, message: "no COPY of the application to pin")
        }
        var insertions: [Int: [String]] = [:]
        var replacements: [Int: [String]] = [:]
        // The target copies --from the pinned stage (a slim final stage): the manifest is made there,
        // and carried, checked and labelled in the target, where its layout holds.
        let carried = !isBuilt(targetStage, from: stage, in: file)
        let shell = hasShell(carried ? targetStage : stage, in: file)
        // The check runs in the pinned stage, against its own layout: the built stage has no shell.
        let checksStage = carried && !shell && hasShell(stage, in: file)
        /// The lines before the application COPY at `index` (the manifest and verifier, and a record
        /// of what the build put there before it) and those after it (the check and the labels).
        func verification(before index: Int) -> [String] {
            if checksStage {
                return Self.manifestCopy
                    + asRoot(Self.run("--stage", "--record-before-copy"), user(before: index, in: file))
            }
            return carried || !shell
                ? [] : Self.manifestCopy + asRoot(Self.run("--record-before-copy"), user(before: index, in: file))
        }
        /// After the last application COPY at `index`, copied since `first`: when other steps wrote
        /// between the copies (`RUN`, `COPY --from`), what they left is recorded before the check.
        func verification(after index: Int, since first: Int) -> [String] {
            verification(
                after: index,
                recordingFirst: ((first + 1)..<max(index, first + 1)).contains {
                    Self.writesBesidesContext(file.instructions[$0])
                })
        }
        func verification(after index: Int, recordingFirst: Bool) -> [String] {
            // A built stage without a shell: the check runs here, where the files were copied, against
            // this stage's own layout (the manifest's stageLayout); the manifest travels on.
            if checksStage { return [Self.run("--stage", "--build")] }
            if carried { return Self.manifestCopy }
            guard shell else { return Self.manifestCopy + Self.labels(groups: groups, verifyMode: nil) }
            let check =
                recordingFirst
                ? asRoot(Self.run("--record", "--build"), user(before: index + 1, in: file)) : [Self.run("--build")]
            return check + Self.labels(groups: groups, verifyMode: verifyMode)
        }
        /// The last COPY or ADD of context files in the stage from `index` on: the application's
        /// copies end there (`COPY app.conf /etc/app/` then `COPY . .`).
        func lastContextCopy(from index: Int) -> Int? {
            (index..<end).last { copiesContext(file.instructions[$0]) }
        }
        // Where the check runs: the instruction after which the copied files are all there.
        var checkedAfter = start
        // The entry point last: its line goes after whatever else is inserted at the same place.
        func finished() -> [UInt8] {
            var chain = [targetStage]
            if carried, let (targetStart, targetEnd) = bounds(of: targetStage, in: file) {
                let name = file.stages[stage].name ?? String(stage)
                let copies = (targetStart..<targetEnd).filter {
                    file.instructions[$0].keyword == "COPY"
                        && file.instructions[$0].flag("from")?.lowercased()
                            == name.lowercased()
                }
                checkedAfter = copies.last ?? targetStart
                let after = file.instructions[checkedAfter].lines.upperBound + 1
                // What came with the copies from other stages is the build's own output.
                insertions[after, default: []] +=
                    ["ARG LAYERPIN_SRC_DIGEST", "ARG LAYERPIN_COMMIT", "ARG LAYERPIN_CREATED"]
                    + (groups.contains("deps") ? ["ARG LAYERPIN_DEPS_DIGEST"] : [])
                    + ["COPY --from=\(name) /etc/layerpin /etc/layerpin"]
                    + (shell ? asRoot(Self.run("--record", "--build"), user(before: checkedAfter + 1, in: file)) : [])
                    + Self.labels(groups: groups, verifyMode: shell ? verifyMode : nil)
            } else {
                while let last = chain.last, last != stage, let parent = parent(of: last, in: file) {
                    chain.append(parent)
                }
            }
            // What later steps write under the covered directories is recorded after the last of them.
            if shell, let last = lastChange(after: checkedAfter, in: chain, of: file) {
                insertions[file.instructions[last].lines.upperBound + 1, default: []] += asRoot(
                    Self.run("--record"), user(before: last + 1, in: file))
            }
            if shell {
                wrapEntrypoint(of: targetStage, pinned: stage, in: file, into: &insertions, replacing: &replacements)
            }
            return file.bytes(replacing: replacements, inserting: insertions)
        }
        if !file.instructions[start..<end].contains(where: copiesContext) {
            // Only the parent's ONBUILD triggers copy the context, and they run before the stage's
            // first instruction: nothing goes before them, so the pinned lines follow the FROM, the
            // manifest with them, and the check records what is there besides the manifest's files.
            let after = file.instructions[start].lines.upperBound + 1
            insertions[after, default: []] +=
                ["ARG LAYERPIN_SRC_DIGEST", "ARG LAYERPIN_COMMIT", "ARG LAYERPIN_CREATED"]
                + (groups.contains("deps") ? ["ARG LAYERPIN_DEPS_DIGEST"] : [])
                + (checksStage || !carried && shell ? Self.manifestCopy : [])
                + verification(after: start, recordingFirst: true)
            checkedAfter = start
            return finished()
        }
        let install = installIndex(in: file, stage: stage)
        // The application copy: a COPY . after the install, else the first COPY after it, else the
        // last COPY of the stage.
        var appCopy: Int?
        if let install {
            let beforeInstall = (start..<install).filter { copiesEverything(file.instructions[$0]) }
            // Split only with dependency files to copy first: without them the install would lose its input.
            if let split = beforeInstall.first, !needsWholeSource(file.instructions[install]), !dependencyFiles.isEmpty
            {
                // COPY . . before the install: copy only the dependency files there, the rest after it.
                let copy = file.instructions[split]
                let destination = copy.words.last ?? "."
                let flags = copy.flags.map { "--" + $0.name + ($0.value.map { "=" + $0 } ?? "") + " " }.joined()
                var depsLines = ["ARG LAYERPIN_DEPS_DIGEST"]
                depsLines += DockerfileRenderer.copyLines(dependencyFiles.map { Array($0.utf8) }).map { line in
                    let placed =
                        destination == "." || destination == "./" ? line : line.replacingDestination(with: destination)
                    return "COPY " + flags + placed.dropFirst("COPY ".count)
                }
                for number in copy.lines { replacements[number] = [] }
                replacements[copy.lines.lowerBound] = depsLines
                let after = file.instructions[install].lines.upperBound + 1
                insertions[after, default: []] += [
                    "ARG LAYERPIN_SRC_DIGEST", "ARG LAYERPIN_COMMIT", "ARG LAYERPIN_CREATED",
                ]
                insertions[after, default: []] += verification(before: install + 1)
                insertions[after, default: []] += copy.lines.map { file.line($0) }
                // Context copies after the install are the application's too: the check follows the last.
                if let last = lastContextCopy(from: install + 1) {
                    insertions[file.instructions[last].lines.upperBound + 1, default: []] += verification(
                        after: last, since: install)
                    checkedAfter = last
                } else {
                    insertions[after, default: []] += verification(after: install, since: install)
                    checkedAfter = install
                }
                return finished()
            }
            if let split = beforeInstall.first {
                appCopy = split  // the install needs the whole source: the copy stays whole
            } else {
                let copiesBefore = (start..<install).filter { copiesContext(file.instructions[$0]) }
                var depsCopy = copiesBefore.last
                appCopy = ((install + 1)..<end).first { copiesContext(file.instructions[$0]) }
                if appCopy == nil {
                    // Nothing copied after the step: it builds from what was copied before it (a
                    // compile: COPY Cargo.toml, COPY src, RUN cargo build). The last copy is the
                    // application's, one before it the dependencies'.
                    appCopy = copiesBefore.last
                    depsCopy = copiesBefore.count > 1 ? copiesBefore[copiesBefore.count - 2] : nil
                }
                if let depsCopy {
                    insertions[file.instructions[depsCopy].lines.lowerBound, default: []].append(
                        "ARG LAYERPIN_DEPS_DIGEST")
                }
            }
        } else {
            appCopy = (start..<end).last { copiesContext(file.instructions[$0]) }
        }
        guard let appCopy else {
            throw DockerfileError(
                line: file.instructions.last?.lines.upperBound ?? 1, message: "no COPY of the application to pin")
        }
        let copy = file.instructions[appCopy]
        insertions[copy.lines.lowerBound, default: []] += [
            "ARG LAYERPIN_SRC_DIGEST", "ARG LAYERPIN_COMMIT", "ARG LAYERPIN_CREATED",
        ]
        insertions[copy.lines.lowerBound, default: []] += verification(before: appCopy)
        let lastCopy = lastContextCopy(from: appCopy) ?? appCopy
        insertions[file.instructions[lastCopy].lines.upperBound + 1, default: []] += verification(
            after: lastCopy, since: appCopy)
        checkedAfter = lastCopy
        return finished()
    }

    /// A step that writes to the image other than by copying context files: a `RUN`, a `WORKDIR`,
    /// a `COPY --from`, a heredoc, an `ADD` of a URL.
    static func writesBesidesContext(_ instruction: Instruction) -> Bool {
        switch instruction.keyword {
        case "RUN", "WORKDIR": true
        case "COPY", "ADD":
            !copiesContext(instruction) || instruction.words.dropLast().contains { $0.contains("://") }
        default: false
        }
    }

    /// Whether `target` is `stage` or built `FROM` it (through stages).
    static func isBuilt(_ target: Int, from stage: Int, in file: Dockerfile) -> Bool {
        var ancestor: Int? = target
        while let current = ancestor, current != stage { ancestor = parent(of: current, in: file) }
        return ancestor == stage
    }

    /// The start-up check around the target's own program (the target carries the verifier).
    static func wrapEntrypoint(
        of target: Int, pinned: Int, in file: Dockerfile, into insertions: inout [Int: [String]],
        replacing replacements: inout [Int: [String]]
    ) {
        guard let (start, end) = bounds(of: target, in: file) else { return }
        let verifier = "/etc/layerpin/verify.sh"
        if let index = (start..<end).last(where: { file.instructions[$0].keyword == "ENTRYPOINT" }) {
            let entrypoint = file.instructions[index]
            let words: [String]
            switch entrypoint.arguments {
            case .exec(let program): words = program
            case .shell(let command): words = ["/bin/sh", "-c", command]
            }
            if words.first == verifier { return }
            for number in entrypoint.lines { replacements[number] = [] }
            replacements[entrypoint.lines.lowerBound] = [
                "ENTRYPOINT " + DockerfileRenderer.jsonArray([verifier] + words)
            ]
        } else if let command = (start..<end).last(where: { file.instructions[$0].keyword == "CMD" }) {
            // Before the CMD, so the stage's own CMD is what the verifier runs.
            insertions[file.instructions[command].lines.lowerBound, default: []].append(
                "ENTRYPOINT " + DockerfileRenderer.jsonArray([verifier]))
        }
    }

    /// The manifest and verifier in /etc/layerpin. In a stage with a shell they come before the
    /// application COPY, with a record of what the build put under the covered directories
    /// before it; the check follows the COPY. A stage without a shell (`FROM scratch`, distroless)
    /// gets no `RUN`: it still carries the manifest and labels, and `verify --image`/`--container`
    /// check it from outside.
    static let manifestCopy = ["COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/"]

    /// `RUN ["/etc/layerpin/verify.sh", ARGUMENTS…]`.
    static func run(_ arguments: String...) -> String {
        "RUN " + DockerfileRenderer.jsonArray(["/etc/layerpin/verify.sh"] + arguments)
    }

    /// The labels, and the start-up check's mode.
    static func labels(groups: [String], verifyMode: String?) -> [String] {
        ["LABEL " + ImageNames.dockerfileLabels(groups: groups).joined(separator: " ")]
            + (verifyModeLine(verifyMode).map { [$0] } ?? [])
    }

    /// A step that writes `/etc/layerpin/outputs`, as root when the Dockerfile chose another user
    /// before it (that user again after it).
    static func asRoot(_ line: String, _ user: String?) -> [String] {
        guard let user, !["root", "0", "root:root", "0:0"].contains(user) else { return [line] }
        // By number: a base image's /etc/passwd need not name root.
        return ["USER 0:0", line, "USER " + user]
    }

    /// The `USER` in effect before instruction `index`: the last one above it in its stage, else
    /// in the stages it is built `FROM`; nil when the Dockerfile sets none (the base image's).
    static func user(before index: Int, in file: Dockerfile) -> String? {
        guard var stage = file.stages.lastIndex(where: { $0.from < index }) else { return nil }
        var end = index
        while true {
            let start = file.stages[stage].from
            if let found = (start..<end).last(where: { file.instructions[$0].keyword == "USER" }) {
                return file.instructions[found].words.joined(separator: " ")
            }
            guard let up = parent(of: stage, in: file), let (_, upEnd) = bounds(of: up, in: file) else { return nil }
            stage = up
            end = upEnd
        }
    }

    /// The last instruction after `index` in the given stages that changes the file system.
    static func lastChange(after index: Int, in stages: [Int], of file: Dockerfile) -> Int? {
        stages.compactMap { stage -> Int? in
            guard let (start, end) = bounds(of: stage, in: file) else { return nil }
            return (max(start, index + 1)..<max(end, index + 1)).last {
                ["RUN", "COPY", "ADD", "WORKDIR"].contains(file.instructions[$0].keyword)
            }
        }.max()
    }

    /// Whether a stage has a shell to run the verifier: not built on `scratch` or a distroless image
    /// (through the stages it is built `FROM`).
    static func hasShell(_ stage: Int, in file: Dockerfile) -> Bool {
        var current = stage
        while let parent = parent(of: current, in: file) { current = parent }
        let image = file.stages[current].image.lowercased()
        // Distroless and Ubuntu's chiseled images (`…/dotnet/runtime:8.0-jammy-chiseled`) have no shell.
        return image != "scratch" && !image.contains("distroless") && !image.contains("chiseled")
    }

    /// `ENV LAYERPIN_VERIFY=warn|off` for the start-up check, from `layerpin.yaml` `verify:`; none
    /// for `enforce`, the verifier's default (the in-build check always enforces).
    static func verifyModeLine(_ mode: String?) -> String? {
        guard let mode, mode != "enforce" else { return nil }
        return "ENV \(ImageNames.verifyModeVariable)=\(mode)"
    }
}

extension String {
    /// `COPY a b ./d/` with its destination prefixed by `destination`.
    fileprivate func replacingDestination(with destination: String) -> String {
        guard let space = lastIndex(of: " ") else { return self }
        let current = self[index(after: space)...].dropFirst(2)  // drop "./"
        let base = destination.hasSuffix("/") ? destination : destination + "/"
        return String(self[...space]) + base + current
    }
}
