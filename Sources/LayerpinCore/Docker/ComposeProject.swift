import Foundation
import Synchronization
import Yams

/// The compose that runs a project: compose v2 (`docker compose`, or a standalone `docker-compose`
/// 2.x) or docker-compose 1.29. `$LAYERPIN_COMPOSE` names it (words, such as `docker compose`);
/// else the docker CLI's compose plugin when it has one; else `docker-compose` on PATH.
package struct ComposeCLI: Sendable, Equatable {
    /// The command and its leading words (`["docker", "compose"]`).
    package var command: [String]
    /// Compose v2, which prints its model as JSON; 1.29 prints YAML.
    package var isV2: Bool

    package init(command: [String], isV2: Bool) {
        self.command = command
        self.isV2 = isV2
    }

    /// How people type it.
    package var displayName: String {
        isV2 && command.last == "compose" && command.count == 2 ? "docker compose" : command.joined(separator: " ")
    }

    private static let found = Mutex<[[String]: ComposeCLI]>([:])

    /// The compose to use, asked once per run for each set of candidates (`version --short`).
    package static func find(
        docker: String, runner: ToolRunner = ToolRunner(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ComposeCLI {
        var candidates: [[String]] = [[docker, "compose"], ["docker-compose"]]
        if let named = environment["LAYERPIN_COMPOSE"], !named.isEmpty {
            candidates = [named.split(separator: " ").map(String.init)]
        }
        let key = candidates.flatMap { $0 + ["\u{0}"] }
        if let known = found.withLock({ $0[key] }) { return known }
        // None answers: name the last candidate, so the error says what was tried.
        var compose = ComposeCLI(command: candidates.last!, isV2: false)
        for command in candidates {
            if let output = try? runner.run(command[0], Array(command.dropFirst()) + ["version", "--short"], in: "/") {
                let version = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                let major = Int(version.drop { $0 == "v" }.prefix { $0.isNumber }) ?? 0
                compose = ComposeCLI(command: command, isV2: major >= 2)
                break
            }
        }
        found.withLock { $0[key] = compose }
        return compose
    }

    /// Where the project comes from: compose files (`-f`, repeated; none: compose's own default
    /// and `COMPOSE_FILE`), profiles, an env file.
    package struct Selection: Sendable, Equatable {
        package var files: [String] = []
        package var profiles: [String] = []
        package var envFile: String?

        package init(files: [String] = [], profiles: [String] = [], envFile: String? = nil) {
            self.files = files
            self.profiles = profiles
            self.envFile = envFile
        }

        /// The options compose takes before its subcommand.
        var arguments: [String] {
            files.flatMap { ["-f", $0] } + profiles.flatMap { ["--profile", $0] }
                + (envFile.map { ["--env-file", $0] } ?? [])
        }
    }

    /// The project as compose resolves it (interpolation, `.env`, `extends`, `include`, several
    /// files, profiles), run in `root`.
    package func project(
        in root: String, selection: Selection, runner: ToolRunner = ToolRunner(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LayerpinError) -> ComposeProject {
        let arguments =
            Array(command.dropFirst()) + selection.arguments + ["config"] + (isV2 ? ["--format", "json"] : [])
        let output = try runner.run(command[0], arguments, in: root)
        return try decode(output, activeProfiles: selection.profiles, environment: environment)
    }

    /// The model from what `config` printed: v2's JSON, or 1.29's YAML, whose services of
    /// profiles that are not enabled are dropped (`up` would not start them; v2 prints none).
    package func decode(
        _ output: [UInt8], activeProfiles: [String], environment: [String: String]
    ) throws(LayerpinError) -> ComposeProject {
        var project: ComposeProject
        do {
            project =
                isV2
                ? try JSONDecoder().decode(ComposeProject.self, from: Data(output))
                : try YAMLDecoder().decode(ComposeProject.self, from: Data(output))
        } catch {
            throw .toolFailed(command: "\(displayName) config", status: 0, stderrTail: "unexpected output: \(error)")
        }
        if !isV2 {
            let active = Set(
                activeProfiles
                    + (environment["COMPOSE_PROFILES"] ?? "").split(separator: ",").map {
                        String($0).trimmingCharacters(in: .whitespaces)
                    })
            project.services = project.services.filter { _, service in
                service.profiles.isEmpty || !active.isDisjoint(with: service.profiles)
            }
        }
        return project
    }
}

/// The model compose prints (`config`): the parts layerpin reads. Paths are absolute, every
/// variable interpolated, every file merged.
package struct ComposeProject: Sendable, Decodable {
    /// The project name (compose v2; 1.29 does not print it).
    package var name: String?
    package var services: [String: Service]

    package struct Service: Sendable, Decodable {
        package var build: Build?
        package var volumes: [Volume]
        package var profiles: [String]
        package var platform: String?

        enum CodingKeys: String, CodingKey { case build, volumes, profiles, platform }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            build = try container.decodeIfPresent(Build.self, forKey: .build)
            volumes = try container.decodeIfPresent([Volume].self, forKey: .volumes) ?? []
            profiles = try container.decodeIfPresent([String].self, forKey: .profiles) ?? []
            platform = try container.decodeIfPresent(String.self, forKey: .platform)
        }
    }

    package struct Build: Sendable, Decodable {
        /// An absolute directory, or a URL (git, http) that layerpin cannot hash.
        package var context: String
        package var dockerfile: String?
        package var dockerfileInline: String?
        package var target: String?
        package var network: String?
        /// The user's build args; a nil value passes the variable of compose's environment.
        package var args: [String: String?]

        enum CodingKeys: String, CodingKey {
            case context, dockerfile, target, network, args
            case dockerfileInline = "dockerfile_inline"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            context = try container.decodeIfPresent(String.self, forKey: .context) ?? "."
            dockerfile = try container.decodeIfPresent(String.self, forKey: .dockerfile)
            dockerfileInline = try container.decodeIfPresent(String.self, forKey: .dockerfileInline)
            target = try container.decodeIfPresent(String.self, forKey: .target)
            network = try container.decodeIfPresent(String.self, forKey: .network)
            args = try container.decodeIfPresent([String: String?].self, forKey: .args) ?? [:]
        }
    }

    /// A `volumes:` entry: v2 prints the long form, 1.29 `SOURCE:TARGET:MODE`.
    package struct Volume: Sendable, Decodable, Equatable {
        package var target: String
        /// A bind mount of a host path, as opposed to a named or anonymous volume.
        package var isBind: Bool

        enum CodingKeys: String, CodingKey { case type, target }

        package init(target: String, isBind: Bool) {
            self.target = target
            self.isBind = isBind
        }

        package init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self.init(short: text)
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                target: try container.decode(String.self, forKey: .target),
                isBind: try container.decodeIfPresent(String.self, forKey: .type) == "bind")
        }

        /// `SOURCE:TARGET[:MODE]` or `TARGET`; a source that is a path makes a bind mount.
        init(short text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else {
                self.init(target: text, isBind: false)
                return
            }
            let source = parts[0]
            self.init(target: parts[1], isBind: source.hasPrefix(".") || source.hasPrefix("/") || source.hasPrefix("~"))
        }
    }
}
