import ArgumentParser
import Foundation
import LayerpinCore

/// Warnings every fingerprinting command prints.
enum Warnings {
    static func print(_ fingerprint: Fingerprint) {
        if fingerprint.statCacheDamaged {
            Output.warning("the stat cache was damaged: it was discarded and rebuilt (every file was hashed again)")
        }
        for requirement in fingerprint.localPathRequirements {
            Output.warning(
                "\(requirement.file):\(requirement.line): '\(requirement.text)' installs from a local path: "
                    + "the dependency layer then depends on source files that the deps digest does not cover")
        }
    }
}

/// How a manifest diff reads.
enum Report {
    /// Mismatches as JSON: `[{"kind": …, "path": …, "expected": …, "found": …}]`.
    static func json(_ mismatches: [Mismatch]) -> JSONValue {
        .array(
            mismatches.map {
                .object([
                    "kind": .string($0.kind.rawValue), "path": .string(RawPath.display($0.path)),
                    "expected": $0.expected.map { .string($0) } ?? .null,
                    "found": $0.found.map { .string($0) } ?? .null,
                ])
            })
    }

    static func text(_ diff: ManifestDiff) -> String {
        var text = ""
        if let (old, new) = diff.commits { text += "commit \(Output.shown(old)) -> \(Output.shown(new))\n" }
        if diff.isEmpty { return text + "no change: every layer is cached\n" }
        if diff.recipeChanged { text += "recipe changed (Dockerfile, base, build args or platform)\n" }
        for change in diff.files {
            let group = " (\(change.group ?? "in no layer"))"
            text += "\(change.change.rawValue) \(RawPath.display(change.path))\(group)\n"
        }
        text += "changed groups: \(diff.changedGroups.isEmpty ? "none" : diff.changedGroups.joined(separator: ", "))\n"
        text += "rebuilds: \(diff.rebuiltLayers.isEmpty ? "no layer" : diff.rebuiltLayers.joined(separator: ", "))\n"
        return text
    }

    /// The context files no layer group holds (no `COPY` of the build takes them), by top-level
    /// name, a directory with its count: `README.md, .github/ (2)`; nil when there are none.
    static func outsideLayers(_ manifest: Manifest) -> String? {
        let outside = manifest.filesOutsideLayers.map(\.path)
        return outside.isEmpty ? nil : DockerfileLinter.listedByTopLevelName(outside)
    }

    static func json(_ diff: ManifestDiff?, manifest: Manifest) -> JSONValue {
        var members: [String: JSONValue] = [
            "digests": .object(
                Dictionary(
                    uniqueKeysWithValues: manifest.groups.map { ($0.name, JSONValue.string($0.digest.description)) }
                )
                .merging(["context": .string(manifest.context.description)]) { $1 }),
            "commit": .string(manifest.commit),
            // Context files no COPY of the build takes: they change the context digest only.
            "outsideLayers": .array(
                manifest.filesOutsideLayers.map { .string(RawPath.display($0.path)) }),
        ]
        if let diff {
            members["changes"] = .array(
                diff.files.map { change in
                    .object([
                        "change": .string(change.change.rawValue), "path": .string(RawPath.display(change.path)),
                        "group": change.group.map { .string($0) } ?? .null,
                    ])
                })
            members["changedGroups"] = .array(diff.changedGroups.map { .string($0) })
            members["rebuilds"] = .array(diff.rebuiltLayers.map { .string($0) })
            members["recipeChanged"] = .bool(diff.recipeChanged)
        }
        return .object(members)
    }
}

/// `--expect-commit`: a commit prefix of at least 7 hex digits, any case.
enum ExpectedCommit {
    static func validate(_ value: String?) throws {
        guard let value else { return }
        guard value.count >= 7, value.allSatisfy(\.isHexDigit) else {
            throw ValidationError("--expect-commit needs a commit (at least 7 hex digits), not '\(value)'")
        }
    }
}
