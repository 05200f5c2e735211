import Foundation

/// `layerpin init`: detect the ecosystem and the entry point, write `layerpin.yaml`, and a
/// Dockerfile and a `.dockerignore` where missing; never overwrite without `force`.
package struct Initializer: Sendable {
    package var root: String
    package var force: Bool

    package init(root: String, force: Bool = false) {
        self.root = root
        self.force = force
    }

    /// What init found and did.
    package struct Report: Sendable {
        package var ecosystem: Ecosystem
        package var command: [String]?
        package var written: [String]
        package var kept: [String]
        package var notes: [String]
    }

    static let dockerignore = """
        # Written by `layerpin init`: what the image never needs, and what would make every build differ.
        .git
        **/__pycache__
        **/*.pyc
        **/node_modules
        .venv
        .env

        """

    package func run() throws(LayerpinError) -> Report {
        var report = Report(ecosystem: .generic, command: nil, written: [], kept: [], notes: [])
        // .dockerignore first: the fingerprint (and the Dockerfile) must see the final context.
        try write(".dockerignore", Self.dockerignore, report: &report)
        var fingerprinter = Fingerprinter(root: root)
        fingerprinter.useStatCache = false
        let fingerprint = try fingerprinter.fingerprint()
        report.ecosystem = fingerprint.ecosystem
        let files = fingerprint.context.entries.filter { $0.fingerprint.kind == .file }.map {
            String(decoding: $0.path, as: UTF8.self)
        }
        report.command = Self.entryPoint(ecosystem: fingerprint.ecosystem, files: files, read: read)
        let template = DockerfileRenderer.template(
            for: fingerprint.ecosystem,
            dependencyFiles: fingerprint.groups.first { $0.name == "deps" }?.entries.map(\.path) ?? [])
        var yaml = "# Written by `layerpin init`; every key is optional (docs: README.md).\n"
        yaml += "ecosystem: \(fingerprint.ecosystem.rawValue)\n"
        yaml += "base: \(template.base)\n"
        yaml += "workdir: /app\n"
        if let install = template.install { yaml += "install: \(install)\n" }
        let command = report.command ?? template.command
        yaml += "command: [" + command.map { "\"\($0)\"" }.joined(separator: ", ") + "]\n"
        yaml += "image: \(Planner.repositoryName(forDirectory: root))\n"
        yaml += "verify: enforce\n"
        try write(Config.fileName, yaml, report: &report)
        var rendered = fingerprint
        rendered.config = try Config.parse(yaml, file: Config.fileName)
        try write("Dockerfile", DockerfileRenderer.render(rendered), report: &report)
        if report.command == nil {
            report.notes.append("no entry point found: set `command` in layerpin.yaml")
        }
        report.notes.append("check `base` (\(template.base)) and `install` in layerpin.yaml, then run `layerpin plan`")
        return report
    }

    /// The command that starts the app, from the files present.
    static func entryPoint(ecosystem: Ecosystem, files: [String], read: (String) -> String?) -> [String]? {
        switch ecosystem {
        case .python:
            for candidate in ["main.py", "app.py", "__main__.py"] where files.contains(candidate) {
                return ["python", candidate]
            }
            let underSource = files.filter { $0.hasPrefix("src/") && $0.split(separator: "/").count <= 3 }.sorted()
            for name in ["main.py", "app.py", "__main__.py"] {
                if let found = underSource.first(where: { $0.hasSuffix("/" + name) }) { return ["python", found] }
            }
            if let pyproject = read("pyproject.toml"), let script = projectScript(pyproject) { return [script] }
            return nil
        case .node:
            if let package = read("package.json"),
                let object = try? JSONSerialization.jsonObject(with: Data(package.utf8)) as? [String: Any]
            {
                if (object["scripts"] as? [String: Any])?["start"] != nil { return ["npm", "start"] }
                if let main = object["main"] as? String { return ["node", main] }
            }
            return files.contains("index.js") ? ["node", "index.js"] : nil
        case .go:
            return files.contains("main.go") ? ["/usr/local/bin/app"] : nil
        default:
            return nil
        }
    }

    /// The first name under `[project.scripts]` in a pyproject.toml.
    static func projectScript(_ text: String) -> String? {
        var inScripts = false
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                inScripts = line == "[project.scripts]"
                continue
            }
            if inScripts, let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let name = line[..<equals].trimmingCharacters(in: .whitespaces).trimmingCharacters(
                    in: CharacterSet(charactersIn: "\"'"))
                if !name.isEmpty { return name }
            }
        }
        return nil
    }

    private func read(_ name: String) -> String? {
        guard let directory = try? OpenDirectory(root), let bytes = try? directory.read(Array(name.utf8)) else {
            return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func write(_ name: String, _ text: String, report: inout Report) throws(LayerpinError) {
        let directory = try OpenDirectory(root)
        let found = try? directory.read(Array(name.utf8))
        let exists = found.flatMap { $0 } != nil
        if exists && !force {
            report.kept.append(name)
            return
        }
        try directory.write(Array(name.utf8), Array(text.utf8))
        report.written.append(name)
    }
}
