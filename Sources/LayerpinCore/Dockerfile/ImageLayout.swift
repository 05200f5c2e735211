import LayerpinDockerfile
import LayerpinIgnore

/// Where context paths land in the image, read from the built stage's `COPY` and `ADD` lines (the
/// target, else the last stage), as the engine resolves them:
/// - destinations relative to the current `WORKDIR` (itself relative to the one before);
/// - `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`, `${VAR+x}` expanded in sources,
///   destinations and `WORKDIR` from the stage's `ENV` and `ARG` defaults (an `ARG` declared before
///   the first `FROM` gives its default to a stage that declares it again); unset is empty;
/// - a destination that ends in `/` (or is `.`), or that is a directory the build has already made
///   (a `WORKDIR`, an earlier copy of a directory or into one, the parent of a copied path)
///   receives a copied file by its name; any other destination is unsettled: the file goes inside
///   it when the image already has a directory there (the base image's, a `RUN mkdir`'s), else to
///   that name — several sources too, the last one winning, as BuildKit copies them (both
///   generations: `Fixtures/layouts/several-sources-make-a-directory`,
///   `Fixtures/layouts/base-image-directory`). The verifiers settle it on the built image;
/// - a directory source copies its contents.
/// - a source with `*`, `?` or `[…]` stands for the context paths it matches (component by
///   component, as `filepath.Match`), each copied by the rules above.
/// URLs, heredocs and `--from` copies are not context paths and map nothing.
package enum ImageLayout {
    /// A Dockerfile read once for where the context goes: its stages' layouts worked out together.
    package struct Reading: Sendable, Equatable {
        /// The built stage's mappings, more specific context paths first (the first that covers an
        /// entry places it); nil when it copies nothing from the context (the caller falls back to
        /// the configured workdir), empty when what it copies from another stage holds none of it
        /// (provenance only).
        package var mappings: [Manifest.Mapping]?
        /// The context paths the stages the target builds copy from the context (their `COPY`/`ADD`
        /// sources, variables and wildcards resolved as for the layout, an `ONBUILD` trigger's too),
        /// each standing for itself and what is below it, the whole context as the empty path: what
        /// the layer groups hold, whether or not it reaches the final image unchanged (a compiled
        /// source, an unpacked archive); nil when they copy nothing.
        package var copied: [[UInt8]]?
        /// Where the context lands in the stage that copies it, when the built stage has no shell and
        /// takes its files `--from` that stage (a `FROM scratch` or distroless final stage after a
        /// build stage that has one): the in-build check runs there, against this layout; nil
        /// otherwise.
        package var checkedStage: [Manifest.Mapping]?
    }

    /// Reads a Dockerfile's text; nil when it cannot be parsed or has no stage `target` names.
    package static func read(
        _ text: String, directories: Set<[UInt8]>, paths: [[UInt8]] = [], target: String? = nil,
        frontend: DockerfileFrontend = .current
    ) -> Reading? {
        guard let file = try? DockerfileParser.parse(text, frontend: frontend) else { return nil }
        return read(file, directories: directories, paths: paths, target: target)
    }

    /// Reads a parsed Dockerfile, given the context's directories and paths (see `read(_:…)`).
    static func read(_ file: Dockerfile, directories: Set<[UInt8]>, paths: [[UInt8]], target: String?) -> Reading? {
        // BuildKit matches a target stage name case-insensitively.
        guard let position = DockerfilePinner.targetStage(target, in: file) else { return nil }
        var globals: [String: String] = [:]
        for instruction in file.instructions[..<(file.stages.first?.from ?? 0)] where instruction.keyword == "ARG" {
            for (name, value) in Variables.declarations(instruction) { globals[name] = value ?? globals[name] }
        }
        var layouts: [Int: StageLayout] = [:]
        func layout(_ stage: Int) -> StageLayout {
            stageLayout(stage, in: file, directories: directories, paths: paths, globals: globals, done: &layouts)
        }
        func sorted(_ mappings: [Manifest.Mapping]) -> [Manifest.Mapping] {
            mappings.sorted { $0.context.count > $1.context.count }
        }
        var reading = Reading()
        let built = layout(position)
        // Nothing copied from the context at all: the caller falls back to the configured workdir.
        // Copied into another stage but none of it reaching this one: an empty layout (provenance only).
        if !built.mappings.isEmpty || built.copiesFromStages { reading.mappings = sorted(built.mappings) }
        let copied = DockerfileLinter.buildPath(of: file, from: position).reduce(into: Set<[UInt8]>()) {
            $0.formUnion(layout($1).copied)
        }
        if !copied.isEmpty { reading.copied = copied.sorted(by: RawPath.precedes) }
        if let pinned = DockerfilePinner.pinnedStage(for: position, in: file),
            !DockerfilePinner.isBuilt(position, from: pinned, in: file), !DockerfilePinner.hasShell(position, in: file),
            DockerfilePinner.hasShell(pinned, in: file), !layout(pinned).mappings.isEmpty
        {
            reading.checkedStage = sorted(layout(pinned).mappings)
        }
        return reading
    }

    /// The built stage's mappings of a Dockerfile's text (`Reading.mappings`).
    package static func mappings(
        of text: String, directories: Set<[UInt8]>, paths: [[UInt8]] = [], target: String? = nil,
        frontend: DockerfileFrontend = .current
    ) -> [Manifest.Mapping]? {
        read(text, directories: directories, paths: paths, target: target, frontend: frontend)?.mappings
    }

    /// A file `ADD` unpacks, by its name: tar, alone or compressed with gzip, bzip2, xz or zstd.
    /// (The engine looks at the content: an archive under another name is unpacked too, and a
    /// file named so that is no archive is copied as it is.)
    package static func isLocalArchive(_ name: String) -> Bool {
        let lower = name.lowercased()
        return [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst"].contains {
            lower.hasSuffix($0)
        }
    }

    /// What one stage holds of the context, and what its later instructions resolve against.
    struct StageLayout {
        var mappings: [Manifest.Mapping] = []
        var variables: [String: String] = [:]
        var workdir = "/"
        var knownDirectories: Set<String> = ["/"]
        /// It copies `--from` another stage that holds context files.
        var copiesFromStages = false
        /// The context sources this stage's own `COPY`/`ADD` steps copy (see `Reading.copied`).
        var copied: [[UInt8]] = []
    }

    /// A stage's layout: what it inherits `FROM` a stage (files at the same paths, `ENV`, `WORKDIR`),
    /// what it copies from the context, and what it copies `--from` an earlier stage (context files
    /// there, traced to where the copy puts them).
    static func stageLayout(
        _ stage: Int, in file: Dockerfile, directories: Set<[UInt8]>, paths: [[UInt8]], globals: [String: String],
        done: inout [Int: StageLayout]
    ) -> StageLayout {
        if let known = done[stage] { return known }
        var layout = StageLayout()
        if let parent = DockerfilePinner.parent(of: stage, in: file) {
            layout = stageLayout(
                parent, in: file, directories: directories, paths: paths, globals: globals, done: &done)
            layout.copiesFromStages = false
            layout.copied = []
        }
        func knowDirectory(_ path: String) {
            var current = ""
            for component in ImagePath.components(path) {
                current += "/" + component
                layout.knownDirectories.insert(current)
            }
        }
        func isFile(_ mapping: Manifest.Mapping) -> Bool {
            !mapping.context.isEmpty && !directories.contains(mapping.context)
        }
        /// Places one copied thing: a directory's contents at `target`, a file by its name inside a
        /// directory `target`, at `target` itself when `exactly` (a file below a copied directory),
        /// else at `target` unless the image has a directory there (unsettled: only the built image
        /// can say).
        /// `executable` is the owner-exec bit a `--chmod` gives every file placed (nil: its own).
        func place(
            context: [UInt8], isDirectory: Bool, name: String, target: String, intoDirectory: Bool,
            exactly: Bool = false, executable: Bool? = nil
        ) {
            if isDirectory {
                // The same file copied again to the same place by this copy, with another mode: this
                // copy's mode is the one there (the same mode: the earlier mapping says the same).
                layout.mappings.removeAll { earlier in
                    earlier.executable != executable && isFile(earlier) && earlier.nameIfDirectory == nil
                        && ImagePath.isWithin(earlier.image, target)
                        && (context.isEmpty || RawPath.isWithin(earlier.context, context))
                        && Array(
                            ImagePath.components(earlier.image).dropFirst(ImagePath.components(target).count)
                                .joined(separator: "/").utf8)
                            == Array(earlier.context.dropFirst(context.isEmpty ? 0 : context.count + 1))
                }
                layout.mappings.append(Manifest.Mapping(context: context, image: target, executable: executable))
                knowDirectory(target)
            } else if exactly || intoDirectory {
                let image = exactly ? target : join(target, name)
                // A later file copied to the same path replaces the earlier one.
                layout.mappings.removeAll { $0.image == image && isFile($0) && $0.nameIfDirectory == nil }
                layout.mappings.append(Manifest.Mapping(context: context, image: image, executable: executable))
                knowDirectory(exactly ? parent(of: target) : target)
            } else {
                // At a file, the later copy replaces the earlier; in a directory, one of the same name.
                layout.mappings.removeAll {
                    $0.image == target && isFile($0) && ($0.nameIfDirectory == nil || $0.nameIfDirectory == name)
                }
                for index in layout.mappings.indices
                where layout.mappings[index].image == target && layout.mappings[index].nameIfDirectory != nil {
                    layout.mappings[index].onlyIfDirectory = true
                }
                layout.mappings.append(
                    Manifest.Mapping(context: context, image: target, nameIfDirectory: name, executable: executable))
                // Whatever the target is, what holds it is a directory.
                knowDirectory(parent(of: target))
            }
        }
        guard let (start, end) = DockerfilePinner.bounds(of: stage, in: file) else { return layout }
        // The parent's ONBUILD triggers run first, as if written after the FROM.
        for instruction in DockerfilePinner.triggers(runBy: stage, in: file) + file.instructions[(start + 1)..<end] {
            switch instruction.keyword {
            case "ARG":
                for (name, value) in Variables.declarations(instruction) {
                    layout.variables[name] =
                        value.map { Variables.expand($0, layout.variables) } ?? globals[name] ?? layout.variables[name]
                }
            case "ENV":
                for (name, value) in Variables.declarations(instruction) {
                    layout.variables[name] = Variables.expand(value ?? "", layout.variables)
                }
            case "WORKDIR":
                if let path = instruction.words.first {
                    layout.workdir = resolve(Variables.expand(path, layout.variables), in: layout.workdir)
                    knowDirectory(layout.workdir)
                }
            case "COPY", "ADD":
                guard instruction.heredocs.isEmpty, instruction.words.count >= 2 else { continue }
                let words = instruction.words.map { Variables.expand($0, layout.variables) }
                // An octal --chmod sets every copied file's mode; both engines ignore any other value
                // (`u+x`): Fixtures/pinned/chmod-copies is built and verified on both.
                let chmod = instruction.flag("chmod").flatMap { mode -> Bool? in
                    guard !mode.isEmpty, mode.allSatisfy({ ("0"..."7").contains($0) }),
                        let bits = UInt32(mode, radix: 8)
                    else { return nil }
                    return bits & 0o100 != 0
                }
                let destination = words.last!
                let target = resolve(destination, in: layout.workdir)
                let intoDirectory =
                    destination.hasSuffix("/") || destination == "." || destination.hasSuffix("/.")
                    || layout.knownDirectories.contains(target)
                if let from = instruction.flag("from") {
                    guard let source = DockerfilePinner.stage(named: from, before: stage, in: file) else { continue }
                    let copied = stageLayout(
                        source, in: file, directories: directories, paths: paths, globals: globals, done: &done)
                    for path in words.dropLast() {
                        let copiedPath = resolve(path, in: "/")
                        // An unsettled copy there is not traced further (the build stage's image
                        // would have to say where it went): its file is not checked in this stage.
                        for mapping in copied.mappings where mapping.nameIfDirectory == nil {
                            let isDirectory = mapping.context.isEmpty || directories.contains(mapping.context)
                            if ImagePath.isWithin(mapping.image, copiedPath) {
                                // Context files inside what is copied: below the target, as they were below it.
                                let rest = ImagePath.components(mapping.image).dropFirst(
                                    ImagePath.components(copiedPath).count
                                ).joined(separator: "/")
                                if rest.isEmpty && !isDirectory {
                                    let name = String(ImagePath.components(mapping.image).last ?? "")
                                    place(
                                        context: mapping.context, isDirectory: false, name: name, target: target,
                                        intoDirectory: intoDirectory, executable: chmod ?? mapping.executable)
                                } else {
                                    place(
                                        context: mapping.context, isDirectory: isDirectory, name: "",
                                        target: rest.isEmpty ? target : join(target, rest), intoDirectory: false,
                                        exactly: true, executable: chmod ?? mapping.executable)
                                }
                                layout.copiesFromStages = true
                            } else if isDirectory && ImagePath.isWithin(copiedPath, mapping.image) {
                                // A part of a copied context directory: that part of the context.
                                let rest = ImagePath.components(copiedPath).dropFirst(
                                    ImagePath.components(mapping.image).count
                                ).joined(separator: "/")
                                let context =
                                    mapping.context + (mapping.context.isEmpty ? [] : [RawPath.separator])
                                    + Array(rest.utf8)
                                let name = String(rest.split(separator: "/").last ?? "")
                                place(
                                    context: context, isDirectory: directories.contains(context), name: name,
                                    target: target, intoDirectory: intoDirectory,
                                    executable: chmod ?? mapping.executable)
                                layout.copiesFromStages = true
                            }
                        }
                    }
                    layout.copiesFromStages = layout.copiesFromStages || !copied.mappings.isEmpty
                    continue
                }
                let sources = words.dropLast().flatMap { source -> [String] in
                    guard source.contains(where: { "*?[".contains($0) }), !source.contains("://") else {
                        return [source]
                    }
                    return matches(of: source, among: paths)
                }
                for source in sources where !source.contains("://") {
                    let cleaned = Array(PathCleaner.clean(source).utf8)
                    layout.copied.append(cleaned)
                    let name = source.split(separator: "/").last.map(String.init) ?? source
                    // ADD unpacks a local archive into the destination, a directory from then on:
                    // the archive itself is in no image, and what it unpacks is the build's own
                    // output (recorded as such). LP014 says so.
                    if instruction.keyword == "ADD", !directories.contains(cleaned), isLocalArchive(name) {
                        knowDirectory(target)
                        continue
                    }
                    place(
                        context: cleaned, isDirectory: cleaned.isEmpty || directories.contains(cleaned), name: name,
                        target: target, intoDirectory: intoDirectory, executable: chmod)
                }
            default:
                break
            }
        }
        done[stage] = layout
        return layout
    }

    /// The context paths a wildcard source matches, as many components deep as it has.
    static func matches(of source: String, among paths: [[UInt8]]) -> [String] {
        let glob = Array(PathCleaner.clean(source).utf8)
        guard let pattern = IgnorePattern(glob: glob) else { return [] }
        let depth = glob.split(separator: RawPath.separator).count
        return paths.filter { $0.split(separator: RawPath.separator).count == depth && pattern.matches($0) }.map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// An image path: absolute as given, else under the working directory; no trailing `/`.
    static func resolve(_ path: String, in workdir: String) -> String {
        let joined = path.hasPrefix("/") ? path : join(workdir, path)
        let cleaned = "/" + joined.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        return cleaned
    }

    /// The directory that holds an image path (`/etc/app.conf` → `/etc`).
    static func parent(of path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
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

/// The Dockerfile's own variables: `ENV`/`ARG` declarations and BuildKit's word expansion.
enum Variables {
    /// `ENV A=1 B="two words"`, `ENV A 1` (the legacy form), `ARG NAME[=default]`: name and value
    /// (nil for an `ARG` without a default), quotes removed.
    static func declarations(_ instruction: Instruction) -> [(String, String?)] {
        guard case .shell(let text) = instruction.arguments else { return [] }
        let words = splitWords(text)
        guard let first = words.first else { return [] }
        if instruction.keyword == "ENV" && !first.contains("=") {
            func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" }
            let name = text.drop(while: isBlank)
            let value = name.drop(while: { !isBlank($0) }).drop(while: isBlank)
            return [(first, unquote(String(value)))]
        }
        return words.map { word in
            guard let equals = word.firstIndex(of: "=") else { return (word, nil) }
            return (String(word[..<equals]), unquote(String(word[word.index(after: equals)...])))
        }
    }

    /// Words split on blanks outside quotes (quotes kept, for `unquote`).
    static func splitWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                current.append(character)
                escaped = true
            } else if let open = quote {
                current.append(character)
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                current.append(character)
                quote = character
            } else if character == " " || character == "\t" {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// A value without its quotes and escapes (`"a b"` → `a b`, `a\ b` → `a b`).
    static func unquote(_ value: String) -> String {
        var out = ""
        var quote: Character?
        var escaped = false
        for character in value {
            if escaped {
                out.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
            } else if let open = quote, character == open {
                quote = nil
            } else if quote == nil && (character == "\"" || character == "'") {
                quote = character
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`, with
    /// `\$` a literal `$`; an unset variable is empty, as BuildKit expands it.
    static func expand(_ word: String, _ variables: [String: String]) -> String {
        let characters = Array(word)
        var out = ""
        var index = 0
        func isNameCharacter(_ character: Character) -> Bool {
            character == "_" || character.isASCII && (character.isLetter || character.isNumber)
        }
        while index < characters.count {
            let character = characters[index]
            if character == "\\", index + 1 < characters.count, characters[index + 1] == "$" {
                out.append("$")
                index += 2
                continue
            }
            guard character == "$", index + 1 < characters.count else {
                out.append(character)
                index += 1
                continue
            }
            if characters[index + 1] == "{", let close = characters[(index + 2)...].firstIndex(of: "}") {
                let body = String(characters[(index + 2)..<close])
                index = close + 1
                let name = String(body.prefix(while: isNameCharacter))
                let rest = body.dropFirst(name.count)
                let value = variables[name]
                let set = value != nil
                let nonEmpty = !(value ?? "").isEmpty
                if rest.hasPrefix(":-") {
                    out += nonEmpty ? value! : expand(String(rest.dropFirst(2)), variables)
                } else if rest.hasPrefix("-") {
                    out += set ? value! : expand(String(rest.dropFirst(1)), variables)
                } else if rest.hasPrefix(":+") {
                    out += nonEmpty ? expand(String(rest.dropFirst(2)), variables) : ""
                } else if rest.hasPrefix("+") {
                    out += set ? expand(String(rest.dropFirst(1)), variables) : ""
                } else {
                    out += value ?? ""
                }
                continue
            }
            let name = String(characters[(index + 1)...].prefix(while: isNameCharacter))
            guard !name.isEmpty else {
                out.append(character)
                index += 1
                continue
            }
            out += variables[name] ?? ""
            index += 1 + name.count
        }
        return out
    }
}
