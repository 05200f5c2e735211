import Foundation
import LayerpinDockerfile
import Yams

/// `layerpin compose`: for each service with a `build:` section, an override that passes the
/// build args and labels and names the image by its source digest, so compose recreates a
/// container exactly when its source changed (compose answers "is up-to-date" otherwise, even
/// after a code change: the stale-container bug). The project is read through the compose that
/// runs it (`config`), never parsed by hand.
package struct Compose: Sendable {
    package var root: String
    /// Compose files, profiles and env file, as given to compose.
    package var selection: ComposeCLI.Selection
    /// The services to plan and build (empty: every service that builds).
    package var only: [String]
    package var docker: String
    package var compose: ComposeCLI
    package var runner: ToolRunner

    package init(
        root: String, selection: ComposeCLI.Selection = .init(), only: [String] = [], docker: String,
        compose: ComposeCLI? = nil, runner: ToolRunner = ToolRunner()
    ) {
        self.root = root
        self.selection = selection
        self.only = only
        self.docker = docker
        self.compose = compose ?? ComposeCLI.find(docker: docker, runner: runner)
        self.runner = runner
    }

    /// One service that builds.
    package struct Service: Sendable {
        package var name: String
        /// The build context: an absolute directory, or a URL compose builds from.
        package var context: String
        package var dockerfile: String?
        /// `build.dockerfile_inline`: the Dockerfile's text itself.
        package var dockerfileInline: String?
        /// `build.network` (`none`, `host`, …): passed to docker build.
        package var network: String?
        /// `build.target`: the stage compose builds.
        package var target: String?
        /// The service's `platform:` (the platform compose builds and runs it for).
        package var platform: Platform?
        /// `build.args` of the user (a nil value: the variable of the environment).
        package var args: [String: String?]
        /// Its `volumes:` entries.
        package var mounts: [ComposeProject.Volume]

        /// A planner of its context with its target and platform; with `engine` (the docker CLI
        /// that builds), the engine's platform as the default, as a build planned to run would.
        package func planner(dockerfile: String?, engine: String?) -> Planner {
            var planner = Planner(root: context, dockerfile: dockerfile)
            planner.fingerprinter.target = target
            planner.fingerprinter.platform = platform
            return engine.map { planner.forEngine(docker: $0) } ?? planner
        }

        /// A context compose fetches (git, http) instead of a directory layerpin can hash.
        package var isRemote: Bool {
            context.contains("://") || context.hasPrefix("git@") || context.hasPrefix("github.com/")
        }
    }

    /// When a service's image is built.
    package enum BuildPolicy: Sendable {
        /// Never: plan only.
        case never
        /// Always (`layerpin compose --build`): the engine's cache decides what runs again.
        case always
        /// Only when the engine has no image of the planned context and recipe under the planned
        /// tag (`layerpin deploy`): an unchanged service costs no build at all, and a commit that
        /// changed only another service's files rebuilds (and recreates) nothing of this one.
        case whenMissing(DockerClient)
    }

    package struct Result: Sendable {
        package var override: String
        package var composeFiles: [String]
        package var images: [String: String]
        /// Each planned service's manifest (as built, with its tags).
        package var manifests: [String: Manifest] = [:]
        /// The services whose image was built this run (the others' image was there already).
        package var rebuilt: Set<String> = []
        package var warnings: [String]
        /// The services whose build failed (left out of the override, so compose keeps what it has).
        package var failures: [(service: String, error: LayerpinError)] = []
        /// How to bring the project up with the override.
        package var upCommand: String
        /// The seconds spent in `docker build`, all services together.
        package var buildSeconds: Double = 0
    }

    static let candidates = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]

    /// The override files a plain `docker-compose up` (or `docker compose up`) merges on its own.
    static let overrideFileNames = [
        "docker-compose.override.yml", "docker-compose.override.yaml", "compose.override.yml", "compose.override.yaml",
    ]

    /// Where the override goes.
    package static let overridePath = ".layerpin/compose.override.yml"

    /// The override files present in `root`, which compose would merge without being asked.
    static func overrideFiles(in root: String) -> [String] {
        guard let directory = try? OpenDirectory(root) else { return [] }
        return overrideFileNames.filter { directory.contains(Array($0.utf8)) }
    }

    /// The compose files the project is made of: the ones given, else `COMPOSE_FILE`'s, else the
    /// first default name present and the override file compose merges with it.
    package func composeFiles(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LayerpinError) -> [String] {
        if !selection.files.isEmpty { return selection.files }
        if let files = environment["COMPOSE_FILE"], !files.isEmpty {
            return files.split(separator: environment["COMPOSE_PATH_SEPARATOR"].flatMap(\.first) ?? ":").map(
                String.init)
        }
        let directory = try OpenDirectory(root)
        if let found = Self.candidates.first(where: { directory.contains(Array($0.utf8)) }) {
            return [found] + Self.overrideFiles(in: root).prefix(1)
        }
        throw .systemCall(operation: "open", path: Array("compose.yaml".utf8), errno: FileSystem.noSuchFile)
    }

    /// `docker compose -f … -f .layerpin/compose.override.yml up -d`, for this project's files.
    package func upCommand(files: [String]) -> String {
        ([compose.displayName] + files.flatMap { ["-f", $0] } + ["-f", Self.overridePath, "up", "-d"])
            .joined(separator: " ")
    }

    /// The project name: compose's own (v2 prints it); else `COMPOSE_PROJECT_NAME`, else the
    /// directory's name, lower case, letters, digits, `-` and `_` only (as 1.29 makes it).
    package func projectName(of project: ComposeProject? = nil) -> String {
        if let name = project?.name, !name.isEmpty { return name }
        if let name = ProcessInfo.processInfo.environment["COMPOSE_PROJECT_NAME"], !name.isEmpty { return name }
        let absolute = URL(fileURLWithPath: root.hasPrefix("/") ? root : FileSystem.currentDirectory() + "/" + root)
            .standardizedFileURL.lastPathComponent
        return String(
            absolute.lowercased().unicodeScalars.filter {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }.map(Character.init))
    }

    /// The project as compose resolves it.
    package func project() throws(LayerpinError) -> ComposeProject {
        try compose.project(in: root, selection: selection, runner: runner)
    }

    /// The services that build, by name; the ones asked for when `only` names some (an unknown
    /// name is an error).
    package func services(of project: ComposeProject) throws(LayerpinError) -> [Service] {
        for name in only where project.services[name]?.build == nil {
            throw .unknownComposeService(
                name, known: project.services.filter { $0.value.build != nil }.keys.sorted())
        }
        var services: [Service] = []
        for name in project.services.keys.sorted() {
            guard let build = project.services[name]?.build, only.isEmpty || only.contains(name) else { continue }
            var platform: Platform?
            if let named = project.services[name]?.platform {
                guard let parsed = Platform(parsing: named) else {
                    throw .invalidConfig(
                        file: "service \(name) of \(try composeFiles().joined(separator: ", "))", line: nil,
                        .invalidPlatform(named))
                }
                platform = parsed
            }
            services.append(
                Service(
                    name: name, context: build.context, dockerfile: build.dockerfile,
                    dockerfileInline: build.dockerfileInline, network: build.network, target: build.target,
                    platform: platform, args: build.args, mounts: project.services[name]?.volumes ?? []))
        }
        return services
    }

    /// Where the plan of a service goes when several services build one context: each its own.
    static func sharedOutputs(of service: String) -> String { ".layerpin/services/\(service)" }

    /// Plans (and with `build`, builds) every service, and writes `.layerpin/compose.override.yml`.
    package func run(build: Bool) throws(LayerpinError) -> Result {
        try run(building: build ? .always : .never)
    }

    /// Plans every service, builds those `policy` says, and writes `.layerpin/compose.override.yml`;
    /// `project` is the model when the caller has read it already (one `compose config` a run).
    package func run(building policy: BuildPolicy, project read: ComposeProject? = nil) throws(LayerpinError)
        -> Result
    {
        let project: ComposeProject
        if let read { project = read } else { project = try self.project() }
        let services = try services(of: project)
        let projectName = projectName(of: project)
        let files = try composeFiles()
        var images: [String: String] = [:]
        var manifests: [String: Manifest] = [:]
        var rebuilt: Set<String> = []
        var buildSeconds: Double = 0
        var warnings: [String] = []
        var failures: [(service: String, error: LayerpinError)] = []
        var override = ComposeOverride()
        let sharing = Dictionary(grouping: services.filter { !$0.isRemote }, by: \.context).filter {
            $0.value.count > 1
        }
        for (context, group) in sharing.sorted(by: { $0.key < $1.key }) {
            warnings.append(
                "services \(group.map(\.name).joined(separator: ", ")) build one context (\(context)): each has its own plan in .layerpin/services/<service>/; build them with `layerpin compose --build` (a plain compose build would copy .layerpin/manifest.json, which is none of theirs)"
            )
        }
        for service in services {
            guard !service.isRemote else {
                failures.append((service.name, .remoteComposeContext(service: service.name, context: service.context)))
                continue
            }
            let outputs =
                sharing[service.context] == nil ? Planner.defaultOutputs : Self.sharedOutputs(of: service.name)
            var dockerfile = service.dockerfile
            if let inline = service.dockerfileInline {
                // The Dockerfile is compose's text: planned (and built) from a file of layerpin's own.
                let path = Self.sharedOutputs(of: service.name) + "/Dockerfile"
                let directory = try OpenDirectory(service.context)
                try directory.makeDirectories(Array(Self.sharedOutputs(of: service.name).utf8))
                try directory.write(Array(path.utf8), Array(inline.utf8))
                dockerfile = path
            }
            let building: Bool
            if case .never = policy { building = false } else { building = true }
            var planner = service.planner(dockerfile: dockerfile, engine: building ? docker : nil)
            planner.outputs = outputs
            let repository = "\(projectName)-\(service.name)"
            let builder = DockerBuild(
                planner: planner, docker: docker, repository: repository,
                extraArguments: userBuildArguments(service) + (service.network.map { ["--network", $0] } ?? []))
            var (manifest, _) = try planner.manifest()
            manifest.tags = builder.tags(manifest)
            var build = false
            switch policy {
            case .never: break
            case .always: build = true
            case .whenMissing(let client):
                build = try !Self.hasImage(ofContentOf: manifest, client: client)
            }
            if build {
                // One service that cannot be built never stops the others.
                let started = Date()
                defer { buildSeconds += -started.timeIntervalSinceNow }
                do {
                    (manifest, _) = try builder.run()
                    rebuilt.insert(service.name)
                } catch {
                    failures.append((service.name, error))
                    continue
                }
            } else {
                _ = try planner.write(manifest)
            }
            manifests[service.name] = manifest
            let image = manifest.tags.first ?? repository
            images[service.name] = image
            warnings += Self.shadowing(service, manifest: manifest, dockerfile: dockerfile)
            override.services[service.name] = ComposeOverride.Service(
                image: image, build: .init(args: manifest.buildArgs, labels: DockerBuild.labels(manifest)))
        }
        for name in Self.overrideFiles(in: root) where !files.contains(name) {
            warnings.append(
                "\(name) exists: a plain `\(compose.displayName) up` merges it on this machine, but not when files are named with -f; check what it changes (bind mounts over the app hide new code)"
            )
        }
        let up = upCommand(files: files)
        var yaml = "# Written by `layerpin compose`: \(up)\n" + (try override.yaml())
        if !yaml.hasSuffix("\n") { yaml += "\n" }
        let rootDirectory = try OpenDirectory(root)
        try rootDirectory.makeDirectory(StatCache.directory)
        try rootDirectory.write(Array(Self.overridePath.utf8), Array(yaml.utf8))
        return Result(
            override: Self.overridePath, composeFiles: files, images: images, manifests: manifests, rebuilt: rebuilt,
            warnings: warnings, failures: failures, upCommand: up, buildSeconds: buildSeconds)
    }

    /// Whether the engine holds, under the tag a manifest names, an image built from the same
    /// context and recipe (its labels), whatever commit that build was planned at.
    package static func hasImage(ofContentOf manifest: Manifest, client: DockerClient) throws(LayerpinError) -> Bool {
        guard let tag = manifest.tags.first, let labels = try client.inspectImage(tag)?.config?.labels else {
            return false
        }
        return labels[ImageNames.contextDigestLabel] == manifest.context.description
            && labels[ImageNames.recipeLabel] == manifest.recipe.description
    }

    /// The user's `build.args` for `docker build`, as compose passes them; layerpin's own names win.
    func userBuildArguments(_ service: Service) -> [String] {
        service.args.keys.sorted().filter { !$0.hasPrefix(ImageNames.argumentPrefix) }.flatMap { name in
            ["--build-arg", service.args[name]!.map { "\(name)=\($0)" } ?? name]
        }
    }

    /// A mount over the application path, or a VOLUME in the Dockerfile over it: new code would
    /// not show (compose carries an anonymous volume over to the new container, docker/compose#9450).
    static func shadowing(_ service: Service, manifest: Manifest, dockerfile: String?) -> [String] {
        var warnings: [String] = []
        let applications = manifest.applicationPaths
        for mount in service.mounts {
            guard let application = ImagePath.shadowed(by: mount.target, among: applications) else { continue }
            warnings.append(
                mount.isBind
                    ? "service \(service.name): a bind mount on \(mount.target) puts the host's files over the application at \(application): they show live, and the image's verified files do not run"
                    : "service \(service.name): a volume on \(mount.target) shadows the application at \(application): new code will not show"
            )
        }
        if let contextDirectory = try? OpenDirectory(service.context),
            let bytes = try? contextDirectory.read(Array((dockerfile ?? "Dockerfile").utf8), followingSymlinks: true),
            let file = try? DockerfileParser.parse(String(decoding: bytes, as: UTF8.self))
        {
            for instruction in file.instructions where instruction.keyword == "VOLUME" {
                for target in instruction.words {
                    if let application = ImagePath.shadowed(by: target, among: applications) {
                        warnings.append(
                            "service \(service.name): VOLUME \(target) in \(dockerfile ?? "Dockerfile") covers the application at \(application): compose keeps the old anonymous volume and hides new code"
                        )
                    }
                }
            }
        }
        return warnings
    }
}

/// `.layerpin/compose.override.yml`: what compose merges over the project's own files for each
/// service layerpin planned: the digest image, layerpin's build args (merged with the user's by
/// compose) and labels. No `version:`, no `pull_policy`: `up` uses the image as built. The deploy's
/// own override (`.layerpin/deploy.override.yml`) names only the images: compose 1.29 counts the
/// build section into a service's configuration, and a new commit's build args would recreate a
/// service whose image did not change.
struct ComposeOverride: Encodable {
    struct Service: Encodable {
        var image: String
        var build: Build?
    }

    struct Build: Encodable {
        var args: [String: String]
        var labels: [String: String]
    }

    var services: [String: Service] = [:]

    /// The YAML text, keys sorted, every string quoted where YAML would read it otherwise.
    func yaml() throws(LayerpinError) -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        do {
            return try encoder.encode(self)
        } catch {
            throw .toolFailed(command: "YAML encoder", status: 0, stderrTail: "\(error)")
        }
    }
}
