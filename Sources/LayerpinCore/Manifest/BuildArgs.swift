import Foundation

/// The build args and image tags of a manifest, in the format each consumer wants.
package struct BuildArgs: Sendable {
    package enum Format: String, CaseIterable, Sendable {
        /// `--build-arg K=V … --label K=V … --tag T` words for `docker build $(layerpin args --format docker) …`.
        case docker
        /// `K=V` lines: a compose `.env` / `--env-file`.
        case env
        /// `K := V` lines for a Makefile `include`.
        case make
        /// `name=value` lines for `$GITHUB_OUTPUT`.
        case github
        /// One JSON object.
        case json
        /// `export K='V'` lines for `eval`.
        case shell
    }

    /// Build args by name (sorted when written).
    package var arguments: [String: String]
    package var tags: [String]
    /// The image labels (the docker format passes them: `--label K=V`).
    package var labels: [String: String]

    package init(_ manifest: Manifest) {
        arguments = manifest.buildArgs
        tags = manifest.tags
        labels = DockerBuild.labels(manifest)
    }

    private var sortedNames: [String] { arguments.keys.sorted() }
    private var image: String { tags.first ?? "" }

    package func render(_ format: Format) -> String {
        switch format {
        case .docker:
            let words =
                sortedNames.map { "--build-arg \($0)=\(arguments[$0]!)" }
                + labels.keys.sorted().map { "--label \($0)=\(labels[$0]!)" } + tags.map { "--tag \($0)" }
            return words.joined(separator: " ") + "\n"
        case .env:
            return (sortedNames.map { "\($0)=\(arguments[$0]!)" } + ["LAYERPIN_IMAGE=\(image)"]).joined(separator: "\n")
                + "\n"
        case .make:
            let lines =
                sortedNames.map { "\($0) := \(arguments[$0]!)" } + [
                    "LAYERPIN_IMAGE := \(image)",
                    "LAYERPIN_BUILD_ARGS := " + sortedNames.map { "--build-arg \($0)=$(\($0))" }.joined(separator: " "),
                ]
            return lines.joined(separator: "\n") + "\n"
        case .github:
            // Output names: lower case with dashes (`src-digest`, `commit`), plus the image and args.
            var lines = sortedNames.map { name -> String in
                var key = name.lowercased()
                if key.hasPrefix("layerpin_") { key.removeFirst("layerpin_".count) }
                return key.replacingOccurrences(of: "_", with: "-") + "=" + arguments[name]!
            }
            lines.append("image=\(image)")
            lines.append("tags=\(tags.joined(separator: ","))")
            lines.append("build-args<<LAYERPIN_EOF")
            lines += sortedNames.map { "\($0)=\(arguments[$0]!)" }
            lines.append("LAYERPIN_EOF")
            return lines.joined(separator: "\n") + "\n"
        case .json:
            return JSONValue.object([
                "buildArgs": .object(arguments.mapValues { .string($0) }),
                "tags": .array(tags.map { .string($0) }),
                "image": .string(image),
            ]).canonicalText
        case .shell:
            return
                (sortedNames.map { "export \($0)=\(Self.shellQuote(arguments[$0]!))" }
                + ["export LAYERPIN_IMAGE=\(Self.shellQuote(image))"]).joined(separator: "\n") + "\n"
        }
    }

    /// Single-quotes a word for POSIX sh.
    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
