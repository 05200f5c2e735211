import Foundation
import Synchronization

/// The docker CLI as a data source (so `DOCKER_HOST=ssh://…` and docker contexts just work):
/// inspect, save, cp and logs, with "no such object" told apart from "no engine" (`docker
/// inspect` prints `[]` and exits 1 for both).
package struct DockerClient: Sendable {
    package var docker: String
    package var runner: ToolRunner
    /// Where `docker save` and `docker cp` streams are spooled (default `$TMPDIR`).
    package var spoolDirectory: String

    package init(
        docker: String = DockerClient.defaultCLI,
        runner: ToolRunner = ToolRunner(),
        spoolDirectory: String? = nil
    ) {
        self.docker = docker
        self.runner = runner
        self.spoolDirectory = spoolDirectory ?? FileSystem.temporaryDirectory
    }

    /// The docker CLI layerpin runs: `$LAYERPIN_DOCKER`, else `docker` on PATH.
    package static var defaultCLI: String { ProcessInfo.processInfo.environment["LAYERPIN_DOCKER"] ?? "docker" }

    /// Fails with `engineUnavailable` unless an engine answers.
    package func ping() throws(LayerpinError) {
        do {
            _ = try runner.run(docker, ["version", "--format", "{{.Server.Version}}"], in: "/")
        } catch {
            if case .toolFailed(_, _, let tail) = error {
                throw .engineUnavailable(message: tail.isEmpty ? "the docker CLI failed" : tail)
            }
            throw error
        }
    }

    private static let platforms = Mutex<[String: Platform]>([:])

    /// The platform the engine builds for when none is named (`docker version`: its OS and
    /// architecture), asked once per run; nil when no engine answers.
    package func enginePlatform() -> Platform? {
        if let known = Self.platforms.withLock({ $0[docker] }) { return known }
        guard
            let output = try? runner.run(docker, ["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"], in: "/"),
            let platform = Platform(
                parsing: String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        Self.platforms.withLock { $0[docker] = platform }
        return platform
    }

    /// `docker container inspect`; nil when the engine answers but has no such container.
    package func inspectContainer(_ reference: String) throws(LayerpinError) -> ContainerInspect? {
        try inspect("container", reference)
    }

    /// `docker image inspect`; nil when the engine answers but has no such image.
    package func inspectImage(_ reference: String) throws(LayerpinError) -> ImageInspect? {
        try inspect("image", reference)
    }

    /// An inspect as a decoded value. `docker inspect` prints `[]` and exits 1 both for a missing
    /// object and an unreachable daemon, so a failed inspect pings the engine to tell the two apart
    /// (a verify inspects several times: over `ssh://` each round trip counts).
    private func inspect<Object: Decodable>(_ kind: String, _ reference: String) throws(LayerpinError) -> Object? {
        let command = [kind, "inspect", "--format", "{{json .}}", reference]
        guard let output = try? runner.run(docker, command, in: "/") else {
            try ping()
            return nil
        }
        do {
            return try JSONDecoder().decode(Object.self, from: Data(output))
        } catch {
            throw .toolFailed(
                command: ([docker] + command).joined(separator: " "), status: 0,
                stderrTail: "unexpected output: \(error)")
        }
    }

    /// Streams a command's stdout into a new spool file, removed when the value goes away. A
    /// failed write (a full disk) is an error naming the file, not a crash; a failed command leaves
    /// no file behind.
    package func spool(_ arguments: [String]) throws(LayerpinError) -> SpoolFile {
        do {
            return try FileSystem.spool(in: spoolDirectory, suffix: ".tar") { descriptor throws(LayerpinError) in
                try runner.stream(docker, arguments, in: "/") { chunk throws(LayerpinError) in
                    do throws(FileSystem.CallError) {
                        try FileSystem.writeAll(descriptor, chunk)
                    } catch {
                        throw .systemCall(
                            operation: error.operation, path: Array(spoolDirectory.utf8), errno: error.errno)
                    }
                }
            }
        } catch {
            switch error {
            case .system(let call):
                throw .systemCall(operation: call.operation, path: Array(spoolDirectory.utf8), errno: call.errno)
            case .body(let failure): throw failure
            }
        }
    }

    /// The container's recent output (stdout and stderr), bounded.
    package func logs(_ container: String) throws(LayerpinError) -> String {
        String(
            decoding: try runner.run(
                docker, ["logs", "--tail", "200", container], in: "/", mergingStandardError: true), as: UTF8.self)
    }
}
