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

    /// The generation of a docker CLI, by its version (the CLI answers without an engine).
    package static func detected(docker: String, runner: ToolRunner = ToolRunner()) -> EngineGeneration {
        if let known = cache.withLock({ $0[docker] }) { return known }
        let generation: EngineGeneration
        if let output = try? runner.run(docker, ["--version"], in: "/"),
            let version = clientVersion(fromVersionLine: String(decoding: output, as: UTF8.self))
        {
            generation = EngineGeneration(clientVersion: version)
        } else {
            generation = .current
        }
        cache.withLock { $0[docker] = generation }
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
