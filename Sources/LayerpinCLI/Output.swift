import Foundation
import LayerpinCore

/// Writes results to stdout and diagnostics to stderr, as raw bytes.
enum Output {
    static func write(_ text: String) {
        write(Array(text.utf8))
    }

    static func write(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// One `layerpin: …` line on stderr.
    static func diagnostic(_ message: String) {
        FileHandle.standardError.write(Data(("layerpin: " + message + "\n").utf8))
    }

    static func warning(_ message: String) {
        diagnostic("warning: " + message)
    }
}

/// How the core's errors read to people.
enum ErrorWording {
    static func describe(_ problem: ManifestError) -> String {
        var location = problem.file
        if let line = problem.line { location += ":\(line)" }
        if let field = problem.field { location += ": \(field)" }
        return "\(location): \(problem.message)"
    }

    static func describe(_ error: LayerpinError) -> String {
        switch error {
        case .invalidIgnoreFile(let file, let problem):
            let why =
                switch problem.reason {
                case .emptyException: "'!' needs a pattern after it"
                case .malformedGlob:
                    "malformed pattern (an unterminated or empty '[' class, a reversed range, or a trailing '\\')"
                }
            return "\(file):\(problem.line): invalid pattern '\(problem.pattern)': \(why)"
        case .systemCall(let operation, let path, let code):
            let shown = path.isEmpty ? "." : RawPath.display(path)
            return "\(shown): \(operation) failed: \(HostSystem.describe(errno: code))"
        case .specialFile(let path, let kind):
            return "\(RawPath.display(path)): a \(kind) cannot be sent in a build context; add it to .dockerignore"
        case .changedWhileHashing(let path):
            return "\(RawPath.display(path)): kept changing while it was hashed; run again once writes have stopped"
        case .notADirectory(let path):
            return "\(path): not a directory"
        case .invalidConfig(let file, let line, let message):
            return "\(file)\(line.map { ":\($0)" } ?? ""): \(message)"
        case .emptyGroup(let name, let configured):
            return configured
                ? "group '\(name)' matches no file in the build context (check its patterns and .dockerignore)"
                : "group '\(name)' would be empty: every entry of the build context is in another group"
        case .overlappingGroups(let path, let first, let second):
            return
                "\(RawPath.display(path)) is in both group '\(first)' and group '\(second)'; a path may belong to one group only"
        case .unsafeNameForVerifier(let path, let reason):
            return "\(RawPath.display(path)): its name has \(reason), which the in-image verifier (verify.sh) cannot "
                + "check safely; rename it or add it to .dockerignore"
        case .invalidManifest(let problem):
            return describe(problem)
        case .archive(let message, let entry):
            return (entry.map { "\(RawPath.display($0)): " } ?? "") + message
        case .invalidDockerfile(let file, let problem):
            return "\(file):\(problem.line): \(problem.message)"
        case .engineUnavailable(let message):
            return "no Docker engine answers (DOCKER_HOST, docker context): \(message)"
        case .noSuchObject(let kind, let reference):
            return "the engine has no \(kind) \(reference)"
        case .hookExists(let path):
            return "\(path) exists and is not layerpin's: keep it, or replace it with --force"
        case .buildFailed(let command, let status):
            return "docker build failed (exit \(status)); the command was: \(command)"
        case .toolFailed(let command, let status, let tail):
            return "`\(command)` failed (exit \(status))" + (tail.isEmpty ? "" : ": \(tail)")
        }
    }
}
