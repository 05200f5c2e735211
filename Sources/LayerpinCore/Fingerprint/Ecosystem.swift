/// A language ecosystem: how its dependency manifests and lockfiles are recognised.
package enum Ecosystem: String, CaseIterable, Sendable, Codable {
    case python, node, go, rust, ruby, java, php, swift, generic

    /// Root-level file names (or `*` globs) that mark the ecosystem and make its dependency group.
    var dependencyFiles: [String] {
        switch self {
        case .python:
            [
                "requirements*.txt", "constraints*.txt", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile",
                "Pipfile.lock",
            ]
        case .node: ["package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"]
        case .go: ["go.mod", "go.sum"]
        case .rust: ["Cargo.toml", "Cargo.lock"]
        case .ruby: ["Gemfile", "Gemfile.lock", "*.gemspec"]
        case .java:
            [
                "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts",
                "gradle.properties",
            ]
        case .php: ["composer.json", "composer.lock"]
        case .swift: ["Package.swift", "Package.resolved"]
        case .generic: []
        }
    }

    /// The order detection tries: the first ecosystem with a dependency file at the root wins.
    static let detectionOrder: [Ecosystem] = [.python, .node, .go, .rust, .ruby, .java, .php, .swift]

    /// The ecosystem of a context, from the file names at its root.
    static func detect(rootFileNames: [[UInt8]]) -> Ecosystem {
        detectionOrder.first { ecosystem in
            rootFileNames.contains { ecosystem.isDependencyFile($0) }
        } ?? .generic
    }

    /// Whether a root-level file name is one of this ecosystem's dependency files.
    func isDependencyFile(_ name: [UInt8]) -> Bool {
        dependencyFiles.contains { Self.glob($0, matches: name) }
    }

    /// `*` matches any run of bytes; everything else is literal. Enough for the fixed lists above.
    private static func glob(_ pattern: String, matches name: [UInt8]) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map { Array($0.utf8) }
        guard parts.count > 1 else { return Array(pattern.utf8) == name }
        guard name.starts(with: parts[0]), name.count >= parts[0].count + parts.last!.count,
            name.suffix(parts.last!.count).elementsEqual(parts.last!)
        else { return false }
        var position = parts[0].count
        for middle in parts.dropFirst().dropLast() {
            guard let found = find(middle, in: name, from: position, end: name.count - parts.last!.count) else {
                return false
            }
            position = found + middle.count
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, end: Int) -> Int? {
        guard needle.count <= end - start else { return needle.isEmpty ? start : nil }
        for index in start...(end - needle.count) where haystack[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
