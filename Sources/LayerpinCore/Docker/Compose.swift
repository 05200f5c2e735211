import Foundation
import LayerpinDockerfile
import Yams

/// `layerpin compose`: for each service with a `build:` section, an override that passes the
/// build args and labels and names the image by its source digest, so compose recreates a
/// container exactly when its source changed (compose answers "is up-to-date" otherwise, even
/// after a code change: the stale-container bug).
package struct Compose: Sendable {
    package var root: String
    /// The compose file, relative to the root (default: the first of compose.yaml, compose.yml,
    /// docker-compose.yaml, docker-compose.yml that exists).
    package var file: String?
    package var docker: String
    package var runner: ToolRunner

    package init(root: String, file: String? = nil, docker: String, runner: ToolRunner = ToolRunner()) {
        self.root = root
        self.file = file
        self.docker = docker
        self.runner = runner
    }

    /// One service that builds.
    package struct Service: Sendable {
        package var name: String
        /// The build context, relative to the root.
        package var context: String
        package var dockerfile: String?
        /// `build.network` (`none`, `host`, …): passed to docker build.
        package var network: String?
        /// `build.target`: the stage compose builds.
        package var target: String?
        /// Its `volumes:` entries.
        package var mounts: [Mount]
    }

    /// One `volumes:` entry of a service: a bind mount of a host path, or a volume.
    package struct Mount: Sendable, Equatable {
        /// The container path.
        package var target: String
        /// A bind mount (its source a host path: `./src`, `/srv`, `~/x`), as opposed to a named or
        /// anonymous volume.
        package var isBind: Bool
    }

    package struct Result: Sendable {
        package var override: String
        package var composeFile: String
        package var images: [String: String]
        package var warnings: [String]
        /// The services whose build failed (left out of the override, so compose keeps what it has).
        package var failures: [(service: String, error: LayerpinError)] = []
    }

    static let candidates = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]

    /// The override files a plain `docker-compose up` (or `docker compose up`) merges on its own.
    static let overrideFileNames = [
        "docker-compose.override.yml", "docker-compose.override.yaml", "compose.override.yml", "compose.override.yaml",
    ]

    /// The override files present in `root`, which compose would merge without being asked.
    static func overrideFiles(in root: String) -> [String] {
        guard let directory = try? OpenDirectory(root) else { return [] }
        return overrideFileNames.filter { directory.contains(Array($0.utf8)) }
    }

    package func composeFile() throws(LayerpinError) -> String {
        if let file { return file }
        let directory = try OpenDirectory(root)
        if let found = Self.candidates.first(where: { directory.contains(Array($0.utf8)) }) { return found }
        throw .systemCall(operation: "open", path: Array("docker-compose.yml".utf8), errno: FileSystem.noSuchFile)
    }

    /// The project name compose 1.29 and v2 use: `COMPOSE_PROJECT_NAME`, else the directory's name,
    /// lower case, letters, digits, `-` and `_` only.
    package func projectName() -> String {
        if let name = ProcessInfo.processInfo.environment["COMPOSE_PROJECT_NAME"], !name.isEmpty { return name }
        let absolute = URL(fileURLWithPath: root.hasPrefix("/") ? root : FileSystem.currentDirectory() + "/" + root)
            .standardizedFileURL.lastPathComponent
        return String(
            absolute.lowercased().unicodeScalars.filter {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }.map(Character.init))
    }

    /// The services that build, from the compose file.
    package func services() throws(LayerpinError) -> [Service] {
        let name = try composeFile()
        guard let data = try OpenDirectory(root).read(Array(name.utf8), followingSymlinks: true) else {
            throw .systemCall(operation: "open", path: Array(name.utf8), errno: FileSystem.noSuchFile)
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw .invalidConfig(file: name, line: nil, .notYAML(detail: "\(error)"))
        }
        guard let top = node?.mapping, let services = top["services"]?.mapping else {
            throw .invalidConfig(file: name, line: nil, .noServices)
        }
        var result: [Service] = []
        for (key, value) in services {
            guard let service = key.string, let build = value.mapping?["build"] else { continue }
            let context = build.string ?? build.mapping?["context"]?.string ?? "."
            let dockerfile = build.mapping?["dockerfile"]?.string
            let network = build.mapping?["network"]?.string
            let target = build.mapping?["target"]?.string
            let mounts = (value.mapping?["volumes"]?.sequence ?? []).compactMap { volume -> Mount? in
                if let text = volume.string {
                    let parts = text.split(separator: ":")
                    guard parts.count >= 2 else { return Mount(target: String(parts[0]), isBind: false) }
                    let source = parts[0]
                    return Mount(
                        target: String(parts[1]),
                        isBind: source.hasPrefix(".") || source.hasPrefix("/") || source.hasPrefix("~"))
                }
                guard let target = volume.mapping?["target"]?.string else { return nil }
                return Mount(target: target, isBind: volume.mapping?["type"]?.string == "bind")
            }
            result.append(
                Service(
                    name: service, context: context, dockerfile: dockerfile, network: network, target: target,
                    mounts: mounts))
        }
        return result
    }

    /// Plans (and with `build`, builds) every service, and writes `.layerpin/compose.override.yml`.
    package func run(build: Bool) throws(LayerpinError) -> Result {
        let services = try services()
        let project = projectName()
        var images: [String: String] = [:]
        var warnings: [String] = []
        var failures: [(service: String, error: LayerpinError)] = []
        var yaml =
            "# Written by `layerpin compose`: docker-compose -f \(try composeFile()) -f .layerpin/compose.override.yml up -d\n"
        yaml += "services:\n"
        for service in services {
            let contextRoot = service.context == "." ? root : root + "/" + service.context
            var planner = Planner(root: contextRoot, dockerfile: service.dockerfile)
            planner.fingerprinter.target = service.target
            let repository = "\(project)-\(service.name)"
            var manifest: Manifest
            if build {
                // One service that cannot be built never stops the others.
                do {
                    (manifest, _) = try DockerBuild(
                        planner: planner, docker: docker, repository: repository,
                        extraArguments: service.network.map { ["--network", $0] } ?? []
                    ).run()
                } catch {
                    failures.append((service.name, error))
                    continue
                }
            } else {
                (manifest, _) = try planner.manifest()
                manifest.tags = DockerBuild(planner: planner, docker: docker, repository: repository).tags(manifest)
                _ = try planner.write(manifest)
            }
            let image = manifest.tags.first ?? repository
            images[service.name] = image
            for mount in service.mounts {
                guard let application = ImagePath.shadowed(by: mount.target, among: manifest.layout.map(\.image)) else {
                    continue
                }
                warnings.append(
                    mount.isBind
                        ? "service \(service.name): a bind mount on \(mount.target) puts the host's files over the application at \(application): they show live, and the image's verified files do not run"
                        : "service \(service.name): a volume on \(mount.target) shadows the application at \(application): new code will not show"
                )
            }
            // A VOLUME in the Dockerfile over the app path: compose carries the anonymous volume over to
            // the new container, hiding the new code (docker/compose#9450).
            if let contextDirectory = try? OpenDirectory(contextRoot),
                let bytes = try? contextDirectory.read(
                    Array((service.dockerfile ?? "Dockerfile").utf8), followingSymlinks: true),
                let file = try? DockerfileParser.parse(String(decoding: bytes, as: UTF8.self))
            {
                for instruction in file.instructions where instruction.keyword == "VOLUME" {
                    for target in instruction.words {
                        if let application = ImagePath.shadowed(by: target, among: manifest.layout.map(\.image)) {
                            warnings.append(
                                "service \(service.name): VOLUME \(target) in \(service.dockerfile ?? "Dockerfile") covers the application at \(application): compose keeps the old anonymous volume and hides new code"
                            )
                        }
                    }
                }
            }
            yaml += "  \(service.name):\n"
            yaml += "    image: \(image)\n"
            yaml += "    build:\n      args:\n"
            for key in manifest.buildArgs.keys.sorted() { yaml += "        \(key): \"\(manifest.buildArgs[key]!)\"\n" }
            yaml += "      labels:\n"
            let labels = DockerBuild.labels(manifest)
            for key in labels.keys.sorted() { yaml += "        \(key): \"\(labels[key]!)\"\n" }
        }
        for name in Self.overrideFiles(in: root) {
            warnings.append(
                "\(name) exists: a plain `docker-compose up` merges it on this machine, but not when files are named with -f; check what it changes (bind mounts over the app hide new code)"
            )
        }
        let rootDirectory = try OpenDirectory(root)
        try rootDirectory.makeDirectory(StatCache.directory)
        try rootDirectory.write(Array(".layerpin/compose.override.yml".utf8), Array(yaml.utf8))
        return Result(
            override: ".layerpin/compose.override.yml", composeFile: try composeFile(), images: images,
            warnings: warnings, failures: failures)
    }
}
