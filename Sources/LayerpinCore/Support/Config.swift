import LayerpinIgnore
import Yams

/// `layerpin.yaml`: every key optional; a missing file is the default configuration.
package struct Config: Sendable, Equatable {
    /// A layer group as configured: a name and the patterns (`.dockerignore` syntax) of its entries.
    package struct Group: Sendable, Equatable {
        package var name: String
        package var patterns: [String]
        package var line: Int
    }

    package var ecosystem: Ecosystem?
    package var base: String?
    package var workdir: String?
    /// Groups in order, lower layers first.
    package var groups: [Group] = []
    package var install: String?
    package var command: [String]?
    package var image: String?
    package var verify: String?
    /// The Dockerfile stage to build (default: the last one).
    package var target: String?
    /// `platform: os/arch[/variant]`: the platform to build for (default: the engine's).
    package var platform: Platform?
    /// Paths the application writes at run time (relative to it): never a verify failure.
    package var runtime: [String] = []
    /// `engine: 20.10|current`: whose `.dockerignore` walk to follow (default: the docker CLI's).
    package var engine: EngineGeneration?

    package init() {}

    package static let fileName = "layerpin.yaml"
    static let knownKeys: Set<String> = [
        "ecosystem", "base", "workdir", "groups", "install", "command", "image", "verify", "runtime", "target",
        "engine", "platform",
    ]

    /// Parses the YAML text of `file`; errors name the file and line.
    package static func parse(_ text: String, file: String) throws(LayerpinError) -> Config {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            let key = duplicates.first ?? ""
            throw .invalidConfig(
                file: file, line: secondOccurrence(of: key, in: text, from: context.mark.line) ?? context.mark.line,
                .duplicateKey(key))
        } catch let error as YamlError {
            throw .invalidConfig(file: file, line: errorLine(error), .notYAML(detail: "\(error)"))
        } catch {
            throw .invalidConfig(file: file, line: nil, .notYAML(detail: "\(error)"))
        }
        var config = Config()
        guard let root else { return config }
        guard let mapping = root.mapping else {
            throw .invalidConfig(file: file, line: line(root), .notAMapping)
        }
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                throw .invalidConfig(file: file, line: line(keyNode), .keyNotString)
            }
            guard seen.insert(key).inserted else {
                throw .invalidConfig(file: file, line: line(keyNode), .duplicateKey(key))
            }
            guard knownKeys.contains(key) else {
                throw .invalidConfig(file: file, line: line(keyNode), .unknownKey(key, known: knownKeys.sorted()))
            }
            switch key {
            case "ecosystem":
                let name = try scalar(value, key, file)
                guard let ecosystem = Ecosystem(rawValue: name) else {
                    throw .invalidConfig(file: file, line: line(value), .unknownEcosystem(name))
                }
                config.ecosystem = ecosystem
            case "base": config.base = try scalar(value, key, file)
            case "workdir": config.workdir = try scalar(value, key, file)
            case "install": config.install = try scalar(value, key, file)
            case "image": config.image = try scalar(value, key, file)
            case "target": config.target = try scalar(value, key, file)
            case "platform":
                let name = try scalar(value, key, file)
                guard let platform = Platform(parsing: name) else {
                    throw .invalidConfig(file: file, line: line(value), .invalidPlatform(name))
                }
                config.platform = platform
            case "engine":
                let name = try scalar(value, key, file)
                guard let generation = EngineGeneration(rawValue: name) else {
                    throw .invalidConfig(file: file, line: line(value), .unknownEngine(name))
                }
                config.engine = generation
            case "verify":
                let mode = try scalar(value, key, file)
                guard ["enforce", "warn", "off"].contains(mode) else {
                    throw .invalidConfig(file: file, line: line(value), .unknownVerifyMode(mode))
                }
                config.verify = mode
            case "command": config.command = try stringList(value, key, file)
            case "runtime":
                config.runtime = try stringList(value, key, file)
                for pattern in config.runtime {
                    if let reason = RuntimePaths.problem(with: pattern) {
                        throw .invalidConfig(
                            file: file, line: line(value), .invalidRuntimePattern(pattern: pattern, reason: reason))
                    }
                }
            default:  // groups
                guard let groups = value.mapping else {
                    throw .invalidConfig(file: file, line: line(value), .groupsNotAMapping)
                }
                var names: Set<String> = []
                for (nameNode, patternsNode) in groups {
                    let name = try scalar(nameNode, "groups", file)
                    guard isValidGroupName(name) else {
                        throw .invalidConfig(file: file, line: line(nameNode), .invalidGroupName(name))
                    }
                    guard name != "context" && name != "recipe" else {
                        throw .invalidConfig(file: file, line: line(nameNode), .reservedGroupName(name))
                    }
                    guard names.insert(name).inserted else {
                        throw .invalidConfig(file: file, line: line(nameNode), .duplicateGroup(name))
                    }
                    let patterns = try stringList(patternsNode, "groups.\(name)", file)
                    guard !patterns.isEmpty else {
                        throw .invalidConfig(file: file, line: line(patternsNode), .groupWithoutPatterns(name))
                    }
                    config.groups.append(Group(name: name, patterns: patterns, line: line(nameNode) ?? 0))
                }
            }
        }
        return config
    }

    /// Group names become build-arg names (`LAYERPIN_<NAME>_DIGEST`), so they stay simple.
    static func isValidGroupName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    private static func line(_ node: Node) -> Int? {
        node.mark.map { $0.line }
    }

    /// The 1-based line of the second `key:` at or after `start` (Yams names only the mapping).
    private static func secondOccurrence(of key: String, in text: String, from start: Int) -> Int? {
        var seen = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where index + 1 >= start {
            let trimmed = line.drop(while: { $0 == " " || $0 == "-" })
            if trimmed.hasPrefix(key + ":") || trimmed.hasPrefix("\"\(key)\":") || trimmed.hasPrefix("'\(key)':") {
                seen += 1
                if seen == 2 { return index + 1 }
            }
        }
        return nil
    }

    private static func errorLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func scalar(_ node: Node, _ key: String, _ file: String) throws(LayerpinError) -> String {
        guard let scalar = node.scalar else {
            throw .invalidConfig(file: file, line: line(node), .notASingleValue(key: key))
        }
        return scalar.string
    }

    private static func stringList(_ node: Node, _ key: String, _ file: String) throws(LayerpinError) -> [String] {
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else {
            throw .invalidConfig(file: file, line: line(node), .notAStringList(key: key))
        }
        var out: [String] = []
        for item in sequence {
            guard let scalar = item.scalar else {
                throw .invalidConfig(file: file, line: line(item), .notAStringList(key: key))
            }
            out.append(scalar.string)
        }
        return out
    }
}
