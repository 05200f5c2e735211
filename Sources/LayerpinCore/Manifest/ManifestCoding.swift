import LayerpinDigest
import LayerpinIgnore

/// Why a manifest could not be read; `field` is a JSON path such as `entries[3].sha256`.
package struct ManifestError: Error, Sendable, Equatable {
    package var file: String
    package var line: Int?
    package var field: String?
    package var message: String
}

extension Manifest {
    /// The canonical JSON text (sorted keys, two-space indentation, newline-terminated).
    /// Paths and symlink targets are written in the digest spec's `%XX` encoding, so any byte
    /// string survives JSON unchanged.
    package var canonicalJSON: String {
        var members: [String: JSONValue] = [
            "schema": .string(Self.schema),
            "tool": .string(tool),
            "git": git.map { git in
                .object([
                    "commit": .string(git.commit), "branch": git.branch.map { .string($0) } ?? .null,
                    "commitTime": .string(git.commitTime), "dirty": .bool(git.dirty),
                ])
            } ?? .null,
            "ecosystem": .string(ecosystem),
            "groups": .array(
                groups.map { group in
                    .object([
                        "name": .string(group.name), "digest": .string(group.digest.description),
                        "entries": .int(Int64(group.entries)), "bytes": .int(group.bytes),
                    ])
                }),
            "context": .string(context.description),
            "recipe": .string(recipe.description),
            "platform": .string(platform),
            "entries": .array(entries.map(Self.json)),
            "buildArgs": .object(buildArgs.mapValues { .string($0) }),
            "tags": .array(tags.map { .string($0) }),
            "layout": Self.json(layout),
        ]
        if let stageLayout { members["stageLayout"] = Self.json(stageLayout) }
        // Written only when set, so a manifest without it keeps the bytes (and digest) it had.
        if !runtime.isEmpty { members["runtime"] = .array(runtime.map { .string($0) }) }
        if let engine { members["engine"] = .string(engine.rawValue) }
        return JSONValue.object(members).canonicalText
    }

    /// The manifest's own digest (the `io.layerpin.manifest` label).
    package var manifestDigest: Digest {
        SHA256Hasher.digest(of: Array(canonicalJSON.utf8))
    }

    private static func json(_ layout: [Mapping]) -> JSONValue {
        .array(
            layout.map { mapping in
                var fields: [String: JSONValue] = [
                    "context": .string(String(decoding: TreeListing.encodePath(mapping.context), as: UTF8.self)),
                    "image": .string(mapping.image),
                ]
                // Only when set: a settled mapping keeps the bytes it had.
                if let name = mapping.nameIfDirectory { fields["ifDirectory"] = .string(name) }
                if mapping.onlyIfDirectory { fields["onlyIfDirectory"] = .bool(true) }
                if let executable = mapping.executable { fields["executable"] = .bool(executable) }
                return .object(fields)
            })
    }

    private static func json(_ entry: Entry) -> JSONValue {
        var object: [String: JSONValue] = [
            "path": .string(String(decoding: TreeListing.encodePath(entry.path), as: UTF8.self)),
            "kind": .string(entry.kind.rawValue),
            "mode": .string(entry.mode),
            "group": entry.group.map { .string($0) } ?? .null,
        ]
        switch entry.kind {
        case .file:
            object["size"] = .int(entry.size)
            object["sha256"] = entry.sha256.map { .string($0.hex) } ?? .null
        case .symlink:
            object["target"] = .string(String(decoding: TreeListing.encodePath(entry.target ?? []), as: UTF8.self))
        case .directory: break
        }
        return .object(object)
    }

    /// Reads a manifest strictly: malformed or truncated JSON, duplicate keys, wrong types, a
    /// missing field or an unknown major version are errors naming the line or field; unknown
    /// fields of version 1 are ignored.
    package static func read(_ bytes: [UInt8], file: String) throws(ManifestError) -> Manifest {
        let root: JSONValue
        do {
            root = try JSONReader.parse(bytes)
        } catch {
            throw ManifestError(file: file, line: error.line, field: nil, message: error.message)
        }
        var reader = FieldReader(file: file)
        return try reader.manifest(root)
    }
}

/// Typed access to a parsed manifest, naming the field of every error.
private struct FieldReader {
    var file: String

    func fail(_ field: String, _ message: String) -> ManifestError {
        ManifestError(file: file, line: nil, field: field, message: message)
    }

    func object(_ value: JSONValue?, _ field: String) throws(ManifestError) -> [String: JSONValue] {
        guard case .object(let members)? = value else {
            throw fail(field, value == nil ? "missing" : "expected an object")
        }
        return members
    }

    func array(_ value: JSONValue?, _ field: String) throws(ManifestError) -> [JSONValue] {
        guard case .array(let items)? = value else { throw fail(field, value == nil ? "missing" : "expected an array") }
        return items
    }

    func string(_ value: JSONValue?, _ field: String) throws(ManifestError) -> String {
        guard case .string(let text)? = value else { throw fail(field, value == nil ? "missing" : "expected a string") }
        return text
    }

    func optionalString(_ value: JSONValue?, _ field: String) throws(ManifestError) -> String? {
        if case .null? = value { return nil }
        return try string(value, field)
    }

    /// A layout: where context paths land (`layout`, `stageLayout`).
    func mappings(_ value: JSONValue?, _ field: String) throws(ManifestError) -> [Manifest.Mapping] {
        var layout: [Manifest.Mapping] = []
        for (index, item) in try array(value, field).enumerated() {
            let fields = try object(item, "\(field)[\(index)]")
            let image = try string(fields["image"], "\(field)[\(index)].image")
            guard image.hasPrefix("/") else { throw fail("\(field)[\(index)].image", "must be an absolute path") }
            let name = try fields["ifDirectory"].map { value throws(ManifestError) in
                try string(value, "\(field)[\(index)].ifDirectory")
            }
            if let name, name.isEmpty || name.contains("/") || name == "." || name == ".." {
                throw fail("\(field)[\(index)].ifDirectory", "must be one file name")
            }
            let only = try fields["onlyIfDirectory"].map { value throws(ManifestError) in
                try bool(value, "\(field)[\(index)].onlyIfDirectory")
            }
            if only != nil && name == nil {
                throw fail("\(field)[\(index)].onlyIfDirectory", "needs ifDirectory")
            }
            let executable = try fields["executable"].map { value throws(ManifestError) in
                try bool(value, "\(field)[\(index)].executable")
            }
            layout.append(
                Manifest.Mapping(
                    context: try path(fields["context"], "\(field)[\(index)].context"), image: image,
                    nameIfDirectory: name, onlyIfDirectory: only ?? false, executable: executable))
        }
        return layout
    }

    func int(_ value: JSONValue?, _ field: String) throws(ManifestError) -> Int64 {
        guard case .int(let number)? = value else {
            throw fail(field, value == nil ? "missing" : "expected a whole number")
        }
        return number
    }

    func bool(_ value: JSONValue?, _ field: String) throws(ManifestError) -> Bool {
        guard case .bool(let flag)? = value else {
            throw fail(field, value == nil ? "missing" : "expected true or false")
        }
        return flag
    }

    func digest(_ value: JSONValue?, _ field: String) throws(ManifestError) -> Digest {
        let text = try string(value, field)
        guard let digest = Digest(parsing: text) else { throw fail(field, "expected sha256:<64 lower-case hex>") }
        return digest
    }

    func path(_ value: JSONValue?, _ field: String) throws(ManifestError) -> [UInt8] {
        let text = try string(value, field)
        guard let bytes = TreeListing.decodePath(Array(text.utf8)) else {
            throw fail(field, "not a %XX-encoded path (docs/digest-spec.md)")
        }
        return bytes
    }

    mutating func manifest(_ root: JSONValue) throws(ManifestError) -> Manifest {
        let top = try object(root, "$")
        let schema = try string(top["schema"], "schema")
        guard schema.hasPrefix(Manifest.schemaFamily),
            let version = Int(schema.dropFirst(Manifest.schemaFamily.count + 1)),
            schema.dropFirst(Manifest.schemaFamily.count).first == "v"
        else {
            throw fail("schema", "not a layerpin manifest ('\(schema)')")
        }
        guard version == Manifest.majorVersion else {
            throw fail("schema", "unsupported version \(version) (this layerpin reads v\(Manifest.majorVersion))")
        }
        var git: Manifest.Git?
        if let value = top["git"], value != .null {
            let fields = try object(value, "git")
            git = Manifest.Git(
                commit: try string(fields["commit"], "git.commit"),
                branch: try optionalString(fields["branch"], "git.branch"),
                commitTime: try string(fields["commitTime"], "git.commitTime"),
                dirty: try bool(fields["dirty"], "git.dirty"))
        } else if top["git"] == nil {
            throw fail("git", "missing")
        }
        var groups: [Manifest.Group] = []
        for (index, item) in try array(top["groups"], "groups").enumerated() {
            let field = "groups[\(index)]"
            let fields = try object(item, field)
            let entries = try int(fields["entries"], field + ".entries")
            groups.append(
                Manifest.Group(
                    name: try string(fields["name"], field + ".name"),
                    digest: try digest(fields["digest"], field + ".digest"),
                    entries: Int(entries), bytes: try int(fields["bytes"], field + ".bytes")))
        }
        var entries: [Manifest.Entry] = []
        for (index, item) in try array(top["entries"], "entries").enumerated() {
            entries.append(try entry(item, "entries[\(index)]"))
        }
        var buildArgs: [String: String] = [:]
        for (key, value) in try object(top["buildArgs"], "buildArgs") {
            buildArgs[key] = try string(value, "buildArgs.\(key)")
        }
        var tags: [String] = []
        for (index, item) in try array(top["tags"], "tags").enumerated() {
            tags.append(try string(item, "tags[\(index)]"))
        }
        let layout = try mappings(top["layout"], "layout")
        let stageLayout = try top["stageLayout"].map { value throws(ManifestError) in
            try mappings(value, "stageLayout")
        }
        var runtime: [String] = []
        if let value = top["runtime"] {
            for (index, item) in try array(value, "runtime").enumerated() {
                let pattern = try string(item, "runtime[\(index)]")
                if let reason = RuntimePaths.problem(with: pattern) { throw fail("runtime[\(index)]", reason) }
                runtime.append(pattern)
            }
        }
        var engine: EngineGeneration?
        if let value = top["engine"] {
            let name = try string(value, "engine")
            guard let generation = EngineGeneration(rawValue: name) else {
                throw fail("engine", "must be 20.10 or current, not '\(name)'")
            }
            engine = generation
        }
        return Manifest(
            tool: try string(top["tool"], "tool"), git: git, ecosystem: try string(top["ecosystem"], "ecosystem"),
            groups: groups, context: try digest(top["context"], "context"), recipe: try digest(top["recipe"], "recipe"),
            platform: try string(top["platform"], "platform"), entries: entries, buildArgs: buildArgs,
            tags: tags, layout: layout, runtime: runtime, engine: engine, stageLayout: stageLayout)
    }

    func entry(_ value: JSONValue, _ field: String) throws(ManifestError) -> Manifest.Entry {
        let fields = try object(value, field)
        let kindName = try string(fields["kind"], field + ".kind")
        guard let kind = EntryKind(rawValue: kindName) else {
            throw fail(field + ".kind", "expected file, directory or symlink, not '\(kindName)'")
        }
        let mode = try string(fields["mode"], field + ".mode")
        let expectedModes: [String] =
            switch kind {
            case .file: ["100644", "100755"]
            case .directory: ["040000"]
            case .symlink: ["120000"]
            }
        guard expectedModes.contains(mode) else {
            throw fail(field + ".mode", "expected \(expectedModes.joined(separator: " or ")) for a \(kindName)")
        }
        let group = try optionalString(fields["group"], field + ".group")
        switch kind {
        case .file:
            let hex = try string(fields["sha256"], field + ".sha256")
            guard let digest = Digest(parsing: "sha256:" + hex) else {
                throw fail(field + ".sha256", "expected 64 lower-case hex")
            }
            return Manifest.Entry(
                path: try path(fields["path"], field + ".path"), kind: kind, executable: mode == "100755",
                size: try int(fields["size"], field + ".size"), sha256: digest, target: nil, group: group)
        case .symlink:
            let target = try path(fields["target"], field + ".target")
            return Manifest.Entry(
                path: try path(fields["path"], field + ".path"), kind: kind, executable: false,
                size: Int64(target.count),
                sha256: nil, target: target, group: group)
        case .directory:
            return Manifest.Entry(
                path: try path(fields["path"], field + ".path"), kind: kind, executable: false, size: 0, sha256: nil,
                target: nil, group: group)
        }
    }
}
