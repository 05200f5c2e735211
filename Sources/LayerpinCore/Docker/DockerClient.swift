import Foundation

/// The docker CLI as a data source (so `DOCKER_HOST=ssh://…` and docker contexts just work):
/// inspect, save, cp and logs, with "no such object" told apart from "no engine" (`docker
/// inspect` prints `[]` and exits 1 for both).
public struct DockerClient: Sendable {
    public var docker: String
    public var runner: ToolRunner

    public init(
        docker: String = DockerClient.defaultCLI,
        runner: ToolRunner = ToolRunner()
    ) {
        self.docker = docker
        self.runner = runner
    }

    /// The docker CLI layerpin runs: `$LAYERPIN_DOCKER`, else `docker` on PATH.
    public static var defaultCLI: String { ProcessInfo.processInfo.environment["LAYERPIN_DOCKER"] ?? "docker" }

    /// Fails with `engineUnavailable` unless an engine answers.
    public func ping() throws(LayerpinError) {
        do {
            _ = try runner.run(docker, ["version", "--format", "{{.Server.Version}}"], in: "/")
        } catch {
            if case .toolFailed(_, _, let tail) = error {
                throw .engineUnavailable(message: tail.isEmpty ? "the docker CLI failed" : tail)
            }
            throw error
        }
    }

    /// `docker image inspect` or `docker container inspect` as JSON; nil when the engine answers
    /// but has no such object.
    public func inspect(_ kind: String, _ reference: String) throws(LayerpinError) -> [String: Any]? {
        try ping()
        guard let output = try? runner.run(docker, [kind, "inspect", "--format", "{{json .}}", reference], in: "/")
        else {
            return nil
        }
        return try? JSONSerialization.jsonObject(with: Data(output)) as? [String: Any]
    }

    /// Streams a command's stdout into a new temporary file and returns its path (the caller
    /// removes it). A failed write (a full disk) is an error naming the file, not a crash.
    public func spool(_ arguments: [String]) throws(LayerpinError) -> String {
        var directory = NSTemporaryDirectory()
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        let path: String
        let descriptor: Int32
        do {
            (path, descriptor) = try FileSystem.createTemporaryFile(in: directory, suffix: ".tar")
        } catch {
            throw .systemCall(operation: error.operation, path: Array(directory.utf8), errno: error.errno)
        }
        defer { FileSystem.close(descriptor) }
        do throws(LayerpinError) {
            try runner.stream(docker, arguments, in: "/") { chunk throws(LayerpinError) in
                do throws(FileSystem.CallError) {
                    try FileSystem.writeAll(descriptor, chunk)
                } catch {
                    throw .systemCall(operation: error.operation, path: Array(path.utf8), errno: error.errno)
                }
            }
        } catch {
            unlink(path)
            throw error
        }
        return path
    }

    /// The container's recent output (stdout and stderr), bounded.
    public func logs(_ container: String) throws(LayerpinError) -> String {
        String(
            decoding: try runner.run(
                docker, ["logs", "--tail", "200", container], in: "/", mergingStandardError: true), as: UTF8.self)
    }
}
