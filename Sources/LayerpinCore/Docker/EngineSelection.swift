import Foundation
import LayerpinIgnore
import Synchronization

/// How a run chooses the engine generation whose `.dockerignore` walk it follows: named by the
/// user (`--engine`), else `layerpin.yaml` `engine:`, else the generation of the docker CLI that
/// sends the context (`docker --version`, asked once per run; current Docker when there is none).
package enum EngineSelection: Sendable, Equatable {
    case named(EngineGeneration)
    case configuredOrDetected

    /// The generation, given the configuration's `engine:`.
    package func generation(configured: EngineGeneration?, docker: String = DockerClient.defaultCLI)
        -> EngineGeneration
    {
        switch self {
        case .named(let generation): generation
        case .configuredOrDetected: configured ?? Self.detected(docker: docker)
        }
    }

    private static let cache = Mutex<[String: EngineGeneration]>([:])

    /// The generation of a docker CLI, by its version (the CLI answers without an engine). The
    /// answer is remembered by the executable's identity (`ClientGenerations`), so a run starts
    /// the CLI only when it is new or changed: a cold start of its 40 MB binary is a tenth of a
    /// second of every run after a reboot.
    package static func detected(
        docker: String, runner: ToolRunner = ToolRunner(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> EngineGeneration {
        if let known = cache.withLock({ $0[docker] }) { return known }
        let generation = asked(docker: docker, runner: runner, environment: environment)
        cache.withLock { $0[docker] = generation }
        return generation
    }

    /// `detected`, without this process's memory: the remembered answer, else the CLI's own.
    package static func asked(docker: String, runner: ToolRunner, environment: [String: String]) -> EngineGeneration {
        let identity = ClientGenerations.Identity(of: docker, environment: environment)
        let remembered = ClientGenerations(environment: environment)
        if let identity, let known = remembered?.generation(of: identity) { return known }
        guard let output = try? runner.run(docker, ["--version"], in: "/"),
            let version = clientVersion(fromVersionLine: String(decoding: output, as: UTF8.self))
        else { return .current }
        let generation = EngineGeneration(clientVersion: version)
        if let identity { remembered?.remember(generation, of: identity) }
        return generation
    }

    /// `Docker version 20.10.24+dfsg1, build 297e128` → `20.10.24+dfsg1`; nil for anything else.
    package static func clientVersion(fromVersionLine line: String) -> String? {
        let prefix = "Docker version "
        guard line.hasPrefix(prefix) else { return nil }
        let version = line.dropFirst(prefix.count).prefix { $0 != "," && !$0.isWhitespace }
        return version.first?.isNumber == true ? String(version) : nil
    }
}

/// The generations of the docker CLIs this user has run, by executable identity, in the user's
/// cache directory (`$XDG_CACHE_HOME/layerpin/docker-clients`, else `~/.cache/…`): one line
/// each, `GENERATION<TAB>DEVICE<TAB>INODE<TAB>SIZE<TAB>MTIME-NS<TAB>CTIME-NS<TAB>PATH`. Any change
/// to the executable (an upgrade, a new link target) is a new identity, asked again. A damaged
/// file is no answer, and is rewritten; a cache that cannot be written is only slower.
struct ClientGenerations {
    /// Where a CLI's executable is, and what it is there.
    struct Identity: Equatable {
        var path: String
        var fields: [String]

        /// The executable `docker` names (a path, else the first in `$PATH`), through its symlinks.
        init?(of docker: String, environment: [String: String]) {
            let candidates =
                docker.contains("/")
                ? [docker]
                : (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(docker)" }
            guard let found = candidates.first(where: FileSystem.isExecutable),
                let file = try? FileSystem.openFile(
                    at: FileSystem.currentDirectoryDescriptor, Array(found.utf8), followingSymlinks: true),
                let status = try? FileSystem.status(of: file.rawValue), status.isRegular
            else { return nil }
            path = found.hasPrefix("/") ? found : FileSystem.currentDirectory() + "/" + found
            let stamp = status.stamp
            fields =
                [status.device, stamp.inode].map(String.init)
                + [stamp.size, stamp.mtimeNanoseconds, stamp.ctimeNanoseconds].map(String.init)
        }
    }

    static let fileName = "docker-clients"
    /// Lines kept: the most recently learned first.
    static let capacity = 16
    var directory: String
    var lines: [[String]] = []

    /// The file in the user's cache directory, read; nil when there is no cache directory.
    init?(environment: [String: String]) {
        guard let directory = StatCache.Location.userDirectory(environment: environment) else { return nil }
        self.directory = directory
        guard let opened = try? OpenDirectory(directory),
            let bytes = try? opened.read(Array(Self.fileName.utf8), limit: 64 << 10)
        else { return }
        lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }.filter { $0.count == 7 && EngineGeneration(rawValue: $0[0]) != nil }
    }

    func generation(of identity: Identity) -> EngineGeneration? {
        lines.first { Array($0[1..<6]) == identity.fields && $0[6] == identity.path }.flatMap {
            EngineGeneration(rawValue: $0[0])
        }
    }

    /// Writes the file again with this answer first (atomically; a failure leaves it as it was).
    func remember(_ generation: EngineGeneration, of identity: Identity) {
        guard !identity.path.contains("\n"), !identity.path.contains("\t") else { return }
        let kept = lines.filter { $0[6] != identity.path }.prefix(Self.capacity - 1)
        let text = ([[generation.rawValue] + identity.fields + [identity.path]] + kept).map {
            $0.joined(separator: "\t") + "\n"
        }.joined()
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let opened = try? OpenDirectory(directory) else { return }
        try? FileSystem.writeAtomically(at: opened.rawValue, Array(Self.fileName.utf8), Array(text.utf8))
    }
}
