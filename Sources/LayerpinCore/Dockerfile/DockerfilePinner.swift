import LayerpinDockerfile

/// Pins an existing Dockerfile: inserts the layerpin ARG lines, the in-build verification and the
/// labels where they belong, and splits a `COPY . .` that precedes the dependency install into
/// the dependency `COPY`, the install, and the rest. Every other line and comment stays as it
/// was; pinning a pinned file changes nothing.
package enum DockerfilePinner {
    /// Commands that install dependencies, per ecosystem.
    static let installPatterns = [
        "pip install", "pip3 install", "poetry install", "uv sync", "uv pip install", "pipenv install", "npm ci",
        "npm install", "yarn install", "pnpm install", "go mod download", "cargo fetch", "cargo build",
        "bundle install",
        "composer install", "mvn dependency", "gradle dependencies",
    ]

    /// The index (in `file.instructions`) of the dependency install in the last stage, if any.
    package static func installIndex(in file: Dockerfile) -> Int? {
        let start = file.stages.last?.from ?? 0
        return file.instructions.indices.first { index in
            index >= start && file.instructions[index].keyword == "RUN" && isInstall(file.instructions[index])
        }
    }

    package static func isInstall(_ instruction: Instruction) -> Bool {
        let text =
            switch instruction.arguments {
            case .exec(let words): words.joined(separator: " ")
            case .shell(let text): text
            }
        return installPatterns.contains { text.contains($0) }
    }

    /// Whether a COPY copies the whole context (`COPY . <dest>`).
    static func copiesEverything(_ instruction: Instruction) -> Bool {
        instruction.keyword == "COPY" && !instruction.has(flag: "from") && instruction.words.count >= 2
            && instruction.words.dropLast().contains { $0 == "." || $0 == "./" }
    }

    /// The pinned text, or the same text when it is pinned already.
    package static func pin(_ text: String, dependencyFiles: [String], groups: [String], verifyMode: String? = nil)
        throws(DockerfileError)
        -> String
    {
        let file = try DockerfileParser.parse(text)
        if file.instructions.contains(where: {
            $0.keyword == "ARG" && $0.words.first?.hasPrefix("LAYERPIN_SRC_DIGEST") == true
        }) {
            return text
        }
        let start = file.stages.last?.from ?? 0
        var insertions: [Int: [String]] = [:]
        var replacements: [Int: [String]] = [:]
        let install = installIndex(in: file)
        // The application copy: a COPY . after the install, else the first COPY after it, else the
        // last COPY of the stage.
        var appCopy: Int?
        if let install {
            let beforeInstall = (start..<install).filter { copiesEverything(file.instructions[$0]) }
            if let split = beforeInstall.first {
                // COPY . . before the install: copy only the dependency files there, the rest after it.
                let copy = file.instructions[split]
                let destination = copy.words.last ?? "."
                var depsLines = ["ARG LAYERPIN_DEPS_DIGEST"]
                depsLines += DockerfileRenderer.copyLines(dependencyFiles.map { Array($0.utf8) }).map { line in
                    destination == "." || destination == "./" ? line : line.replacingDestination(with: destination)
                }
                for number in copy.lines { replacements[number] = [] }
                replacements[copy.lines.lowerBound] = depsLines
                let after = file.instructions[install].lines.upperBound + 1
                insertions[after, default: []] += [
                    "ARG LAYERPIN_SRC_DIGEST", "ARG LAYERPIN_COMMIT", "ARG LAYERPIN_CREATED",
                ]
                insertions[after, default: []] += copy.lines.map { file.line($0) }
                insertions[after, default: []] += verification(groups: groups, verifyMode: verifyMode)
                return file.text(replacing: replacements, inserting: insertions)
            }
            if let depsCopy = (start..<install).last(where: { file.instructions[$0].keyword == "COPY" }) {
                insertions[file.instructions[depsCopy].lines.lowerBound, default: []].append("ARG LAYERPIN_DEPS_DIGEST")
            }
            appCopy = ((install + 1)..<file.instructions.count).first { file.instructions[$0].keyword == "COPY" }
        } else {
            appCopy = (start..<file.instructions.count).last { file.instructions[$0].keyword == "COPY" }
        }
        guard let appCopy else {
            throw DockerfileError(
                line: file.instructions.last?.lines.upperBound ?? 1, message: "no COPY of the application to pin")
        }
        let copy = file.instructions[appCopy]
        insertions[copy.lines.lowerBound, default: []] += [
            "ARG LAYERPIN_SRC_DIGEST", "ARG LAYERPIN_COMMIT", "ARG LAYERPIN_CREATED",
        ]
        insertions[copy.lines.upperBound + 1, default: []] += verification(groups: groups, verifyMode: verifyMode)
        return file.text(replacing: replacements, inserting: insertions)
    }

    /// The manifest and verifier in /etc/layerpin, the in-build check, the labels.
    static func verification(groups: [String], verifyMode: String?) -> [String] {
        [
            "COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/",
            "RUN [\"/etc/layerpin/verify.sh\", \"--build\"]",
            "LABEL " + ImageNames.dockerfileLabels(groups: groups).joined(separator: " "),
        ] + (verifyModeLine(verifyMode).map { [$0] } ?? [])
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
