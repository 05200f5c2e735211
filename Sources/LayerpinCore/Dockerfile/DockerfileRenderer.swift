import Foundation

/// Renders a Dockerfile from `layerpin.yaml` and the fingerprint: the dependency install behind
/// `ARG LAYERPIN_DEPS_DIGEST` (with a cache mount), `ARG LAYERPIN_SRC_DIGEST` and
/// `ARG LAYERPIN_COMMIT` only after it (an ARG invalidates every later RUN), the application
/// `COPY`, the in-build verification right after it, the manifest and verifier in
/// `/etc/layerpin/`, the labels, and the verifier as `ENTRYPOINT` wrapping the command.
/// No `# syntax=` line: it would make BuildKit pull an image, and offline builds must work.
package struct DockerfileRenderer: Sendable {
    /// Per-ecosystem defaults.
    package struct Template: Sendable, Equatable {
        package var base: String
        package var install: String?
        package var cacheTarget: String?
        package var command: [String]
        /// Steps after the application COPY (a compile, for instance).
        package var afterCopy: [String] = []
        package var environment: [String] = []
    }

    package static func template(for ecosystem: Ecosystem, dependencyFiles: [[UInt8]]) -> Template {
        let names = Set(dependencyFiles.map { String(decoding: $0, as: UTF8.self) })
        switch ecosystem {
        case .python:
            let install =
                names.contains("requirements.txt")
                ? "pip install -r requirements.txt"
                : names.contains("pyproject.toml") ? "pip install ." : "pip install -r requirements.txt"
            return Template(
                base: "python:3.11-slim", install: install, cacheTarget: "/root/.cache/pip",
                command: ["python", "main.py"], environment: ["PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"])
        case .node:
            return Template(
                base: "node:20-slim", install: names.contains("package-lock.json") ? "npm ci" : "npm install",
                cacheTarget: "/root/.npm", command: ["node", "index.js"], environment: ["NODE_ENV=production"])
        case .go:
            return Template(
                base: "golang:1.22", install: "go mod download", cacheTarget: "/go/pkg/mod",
                command: ["/usr/local/bin/app"],
                afterCopy: ["RUN --mount=type=cache,target=/root/.cache/go-build go build -o /usr/local/bin/app ."])
        default:
            return Template(base: "debian:bookworm-slim", install: nil, cacheTarget: nil, command: ["sh"])
        }
    }

    /// The Dockerfile text for a fingerprinted context.
    package static func render(_ fingerprint: Fingerprint) -> String {
        let config = fingerprint.config
        let deps = fingerprint.groups.first { $0.name == "deps" }?.entries.filter { $0.fingerprint.kind == .file } ?? []
        let template = template(for: fingerprint.ecosystem, dependencyFiles: deps.map(\.path))
        let workdir = config.workdir ?? "/app"
        var lines = [
            "# Rendered by `layerpin dockerfile` from layerpin.yaml (ecosystem: \(fingerprint.ecosystem.rawValue)).",
            "# Each ARG LAYERPIN_* keys the layers below it to a layerpin digest: the dependency install",
            "# sits above ARG LAYERPIN_SRC_DIGEST, so a code change never reinstalls dependencies.",
            "FROM \(config.base ?? template.base)",
            "WORKDIR \(workdir)",
        ]
        if !template.environment.isEmpty { lines.append("ENV " + template.environment.joined(separator: " ")) }
        let install = config.install ?? template.install
        if !deps.isEmpty, let install {
            lines.append("ARG LAYERPIN_DEPS_DIGEST")
            lines += copyLines(deps.map(\.path))
            let mount = template.cacheTarget.map { "--mount=type=cache,target=\($0) " } ?? ""
            lines.append("RUN \(mount)\(install)")
        }
        lines += [
            "ARG LAYERPIN_SRC_DIGEST",
            "ARG LAYERPIN_COMMIT",
            "ARG LAYERPIN_CREATED",
        ]
        lines +=
            DockerfilePinner.manifestCopy + [
                DockerfilePinner.run("--record-before-copy"), "COPY . ./", DockerfilePinner.run("--build"),
            ]
        lines += template.afterCopy
        if !template.afterCopy.isEmpty { lines.append(DockerfilePinner.run("--record")) }
        let labels = ImageNames.dockerfileLabels(groups: fingerprint.groups.map(\.name))
        lines.append("LABEL " + labels.joined(separator: " \\\n      "))
        if let mode = DockerfilePinner.verifyModeLine(config.verify) { lines.append(mode) }
        lines.append("ENTRYPOINT [\"/etc/layerpin/verify.sh\"]")
        lines.append("CMD " + jsonArray(config.command ?? template.command))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `COPY a b ./` for root files, `COPY d/x ./d/` per directory: paths kept.
    static func copyLines(_ paths: [[UInt8]]) -> [String] {
        var byDirectory: [String: [String]] = [:]
        var order: [String] = []
        for path in paths {
            let text = String(decoding: path, as: UTF8.self)
            let directory = text.split(separator: "/").dropLast().joined(separator: "/")
            if byDirectory[directory] == nil { order.append(directory) }
            byDirectory[directory, default: []].append(text)
        }
        return order.map { directory in
            "COPY " + byDirectory[directory]!.joined(separator: " ") + " ./"
                + (directory.isEmpty ? "" : directory + "/")
        }
    }

    static func jsonArray(_ words: [String]) -> String {
        "["
            + words.map { word in
                "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
            }.joined(separator: ", ") + "]"
    }
}

extension DockerfileRenderer {
    /// `layerpin dockerfile`: a Dockerfile rendered from the context and its `layerpin.yaml`, or,
    /// with `pinning`, that existing Dockerfile (named on the command line) pinned.
    package static func dockerfile(for fingerprinter: Fingerprinter, pinning path: String? = nil) throws(LayerpinError)
        -> [UInt8]
    {
        let fingerprint = try fingerprinter.fingerprint()
        guard let path else { return Array(render(fingerprint).utf8) }
        let bytes = try NamedFile.read(path)
        let deps =
            fingerprint.groups.first { $0.name == "deps" }?.entries.filter { $0.fingerprint.kind == .file }
            .map { String(decoding: $0.path, as: UTF8.self) } ?? []
        do {
            return try DockerfilePinner.pin(
                bytes: bytes, dependencyFiles: deps, groups: fingerprint.groups.map(\.name),
                verifyMode: fingerprint.config.verify, target: fingerprint.target,
                frontend: fingerprint.ignore.generation.dockerfileFrontend)
        } catch {
            throw .invalidDockerfile(file: path, error)
        }
    }
}
