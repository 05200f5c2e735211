import LayerpinDockerfile

/// Where context paths land in the image, read from the built stage's `COPY` and `ADD` lines (the
/// target, else the last stage):
/// `COPY . ./` maps the context root to the working directory, `COPY src/ /srv/src/` a directory,
/// `COPY requirements.txt ./` a file. Sources with wildcards, URLs, heredocs and `--from` copies
/// are not context paths and map nothing.
package enum ImageLayout {
    /// The mappings of a Dockerfile, given the context's directories; nil when it copies nothing
    /// from the context (the caller falls back to the configured workdir).
    package static func mappings(of text: String, directories: Set<[UInt8]>, target: String? = nil)
        -> [Manifest.Mapping]?
    {
        guard let file = try? DockerfileParser.parse(text) else { return nil }
        let stages = file.stages
        // BuildKit matches a target stage name case-insensitively.
        let position =
            target.map { target in stages.firstIndex { $0.name?.lowercased() == target.lowercased() } }
            ?? (stages.isEmpty ? nil : stages.count - 1)
        guard let position else { return nil }
        let start = stages[position].from
        let end = position + 1 < stages.count ? stages[position + 1].from : file.instructions.count
        var workdir = "/"
        var mappings: [Manifest.Mapping] = []
        for instruction in file.instructions[start..<end] {
            switch instruction.keyword {
            case "WORKDIR":
                if let path = instruction.words.first { workdir = resolve(path, in: workdir) }
            case "COPY", "ADD":
                guard !instruction.has(flag: "from"), instruction.heredocs.isEmpty, instruction.words.count >= 2 else {
                    continue
                }
                let sources = instruction.words.dropLast()
                let destination = instruction.words.last!
                let intoDirectory = destination.hasSuffix("/") || sources.count > 1 || destination == "."
                let target = resolve(destination, in: workdir)
                for source in sources {
                    if source.contains("*") || source.contains("?") || source.contains("[") || source.contains("://") {
                        continue
                    }
                    let cleaned = Array(PathCleaner.clean(source).utf8)
                    if cleaned.isEmpty || directories.contains(cleaned) {
                        mappings.append(Manifest.Mapping(context: cleaned, image: target))
                    } else {
                        let name = source.split(separator: "/").last.map(String.init) ?? source
                        let image = intoDirectory ? join(target, name) : target
                        mappings.append(Manifest.Mapping(context: cleaned, image: image))
                    }
                }
            default:
                break
            }
        }
        // More specific context paths first: the first mapping that covers an entry places it.
        return mappings.isEmpty ? nil : mappings.sorted { $0.context.count > $1.context.count }
    }

    /// An image path: absolute as given, else under the working directory; no trailing `/`.
    static func resolve(_ path: String, in workdir: String) -> String {
        let joined = path.hasPrefix("/") ? path : join(workdir, path)
        let cleaned = "/" + joined.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        return cleaned
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// A context source path as Docker cleans it: relative, no `./`, no trailing `/`, `.` → empty.
enum PathCleaner {
    static func clean(_ source: String) -> String {
        source.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
    }
}
