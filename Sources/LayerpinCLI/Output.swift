import Foundation
import LayerpinCore
import LayerpinDigest
import LayerpinIgnore

/// Results a command is done with, left for the process's exit to reclaim. A large context's
/// fingerprint holds several allocations per entry; freeing 80,000 entries one by one just before
/// `exit` is a tenth of a re-run's time spent on nothing (compilers skip their teardown alike).
enum LeftForExit {
    nonisolated(unsafe) private static var values: [Any] = []

    static func keep(_ value: Any) { values.append(value) }
}

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

    /// A path as an error line shows it: whole up to 160 characters, else its start and end around
    /// the number of characters left out (a path past PATH_MAX is one short line, not kilobytes).
    static func shortened(_ path: String) -> String {
        guard path.count > 160 else { return path }
        return "\(path.prefix(72))…(\(path.count - 144) characters)…\(path.suffix(72))"
    }

    /// A byte as people read it in an error: `0x0D`.
    static func hexByte(_ byte: UInt8) -> String {
        "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }

    /// The engine generation as people name it.
    static func named(_ generation: EngineGeneration) -> String {
        switch generation {
        case .docker20_10: "Docker 20.10"
        case .current: "current Docker (23 and later)"
        }
    }

    /// Text from an image, a container or a manifest (a commit, a label, a log line), made safe to
    /// print: control characters (C0, DEL, C1: escape sequences among them) shown as `\u{…}`, so a
    /// hostile image cannot move the cursor or print a fake "ok" line.
    static func shown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
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
                case .lineTooLong:
                    "a line of \(IgnoreFile.longestLine + 1) bytes or more, which Docker cannot read"
                case .controlCharacter(let byte):
                    "a control character (\(Output.hexByte(byte))) that \(Output.named(problem.generation)) cannot send"
                        + " with the patterns; the build would fail"
                case .escapedLetterOrDigit(let byte):
                    "'\\\(Character(Unicode.Scalar(byte)))' is a regular-expression escape to Docker, not the"
                        + " letter '\(Character(Unicode.Scalar(byte)))'; write the letter without '\\'"
                case .regularExpressionSyntax(let byte):
                    "Docker 20.10 reads '\(Character(Unicode.Scalar(byte)))' as regular-expression syntax (current"
                        + " Docker as the character); write '\\\(Character(Unicode.Scalar(byte)))' to mean the"
                        + " character on both, or choose the walk with --engine current"
                }
            if case .lineTooLong = problem.reason { return "\(file):\(problem.line): \(why)" }
            return "\(file):\(problem.line): invalid pattern '\(problem.pattern)': \(why)"
        case .systemCall(let operation, let path, let code):
            let shown = path.isEmpty ? "." : Output.shortened(RawPath.display(path))
            return "\(shown): \(operation) failed: \(HostSystem.describe(errno: code))"
        case .specialFile(let path, let kind):
            return
                "\(RawPath.display(path)): a \(describe(kind)) cannot be sent in a build context; add it to .dockerignore"
        case .changedWhileHashing(let path):
            return "\(RawPath.display(path)): kept changing while it was hashed; run again once writes have stopped"
        case .notADirectory(let path):
            return "\(path): not a directory"
        case .invalidConfig(let file, let line, let problem):
            return "\(file)\(line.map { ":\($0)" } ?? ""): \(describe(problem))"
        case .emptyGroup(let name, let configured):
            return configured
                ? "group '\(name)' matches no file in the build context (check its patterns and .dockerignore)"
                : "group '\(name)' would be empty: every entry of the build context is in another group"
        case .overlappingGroups(let path, let first, let second):
            return
                "\(RawPath.display(path)) is in both group '\(first)' and group '\(second)'; a path may belong to one group only"
        case .unsafeNameForVerifier(let path, let reason):
            let what =
                switch reason {
                case .controlCharacter(let byte): "control character 0x\(Hex.encode([byte]))"
                case .singleQuote: "a ' (single quote)"
                case .arrow: "' -> '"
                }
            return "\(RawPath.display(path)): its name has \(what), which the in-image verifier (verify.sh) cannot "
                + "check safely; rename it or add it to .dockerignore"
        case .invalidManifest(let problem):
            return describe(problem)
        case .archive(let problem, let entry):
            return (entry.map { "\(RawPath.display($0)): " } ?? "") + describe(problem)
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
        case .unknownComposeService(let name, let known):
            return "no service '\(name)' that builds in the compose project"
                + (known.isEmpty ? "" : " (services that build: \(known.joined(separator: ", ")))")
        case .remoteComposeContext(let service, let context):
            return
                "service \(service) builds from \(context): layerpin hashes a local directory; clone it and point build.context at the clone"
        }
    }

    static func describe(_ kind: SpecialFileKind) -> String {
        switch kind {
        case .fifo: "FIFO"
        case .socket: "socket"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .other: "special file"
        case .gitEntry(let type, let mode): "git \(type) (mode \(mode))"
        }
    }

    static func describe(_ problem: ConfigProblem) -> String {
        switch problem {
        case .notYAML(let detail): "not valid YAML: \(detail)"
        case .notAMapping: "expected a mapping of keys"
        case .keyNotString: "keys must be strings"
        case .duplicateKey(let key): "duplicate key '\(key)'"
        case .unknownKey(let key, let known): "unknown key '\(key)' (known: \(known.joined(separator: ", ")))"
        case .unknownEcosystem(let name):
            "unknown ecosystem '\(name)' (one of \(Ecosystem.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unknownEngine(let name):
            "engine must be \(EngineGeneration.allCases.map(\.rawValue).joined(separator: " or ")), not '\(name)'"
        case .invalidPlatform(let name): "platform must be os/arch[/variant] (linux/arm64), not '\(name)'"
        case .unknownVerifyMode(let mode): "verify must be enforce, warn or off, not '\(mode)'"
        case .notASingleValue(let key): "'\(key)' must be a single value"
        case .notAStringList(let key): "'\(key)' must be a list of strings"
        case .groupsNotAMapping: "'groups' must map group names to lists of patterns"
        case .invalidGroupName(let name):
            "group name '\(name)' must be lower-case letters, digits and '_', starting with a letter"
        case .reservedGroupName(let name): "'\(name)' is a reserved digest name"
        case .duplicateGroup(let name): "duplicate group '\(name)'"
        case .groupWithoutPatterns(let name): "group '\(name)' has no patterns"
        case .invalidGroupPattern(let group, let pattern): "group '\(group)': invalid pattern '\(pattern)'"
        case .invalidRuntimePattern(let pattern, let reason): "runtime pattern '\(pattern)': \(reason)"
        case .noServices: "no services"
        }
    }

    static func describe(_ problem: ArchiveProblem) -> String {
        switch problem {
        case .library(let message): message
        case .tooManyEntries(let limit): "more than \(limit) entries (limit)"
        case .tooManyBytes(let limit): "more than \(limit) bytes unpacked (limit)"
        case .standardInputTooLarge(let limit): "more than \(limit) bytes on standard input (limit)"
        case .leavesRoot: "entry leaves the image root"
        case .hardLinkToUnknownFile: "hard link to a file the archive has not shown"
        case .truncatedEntry(let read, let expected): "truncated entry (\(read) of \(expected) bytes)"
        case .missingLayer(let name): "layer \(name) is missing from the archive"
        case .layerOutsideArchive(let name): "manifest.json names layer \(name), outside the archive"
        case .missingIndexedManifest(let digest): "index.json names \(digest), which the archive lacks"
        case .notAnImageArchive: "not a docker save archive: no manifest.json or index.json"
        case .noImageForPlatform(let platform, let available):
            "no image for \(platform) in the archive (it holds \(available.isEmpty ? "no platform named" : available.joined(separator: ", ")))"
        case .severalPlatforms(let available):
            "the archive holds images for \(available.joined(separator: ", ")): name one with --platform"
        }
    }
}
