/// `layerpin hook install`: a git hook that runs `layerpin check` before a commit or a push.
package struct GitHook: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        case preCommit = "pre-commit"
        case prePush = "pre-push"
    }

    package var root: String
    package var kind: Kind
    /// The layerpin the hook runs (absolute path of this binary, ideally).
    package var executable: String
    package var runner: ToolRunner

    package init(root: String, kind: Kind, executable: String, runner: ToolRunner = ToolRunner()) {
        self.root = root
        self.kind = kind
        self.executable = executable
        self.runner = runner
    }

    /// Marks hooks layerpin wrote, so it may replace them.
    static let marker = "# installed by `layerpin hook install`"

    /// The hook's text: check the context (under its path in the repository) against its plan.
    package func script(contextPath: String) -> String {
        """
        #!/bin/sh
        \(Self.marker): refuses the \(kind == .preCommit ? "commit" : "push") when the build
        # context differs from .layerpin/manifest.json (run `layerpin plan`). Remove this file to stop it.
        set -e
        top=$(git rev-parse --show-toplevel)
        exec \(BuildArgs.shellQuote(executable)) check --root "$top/\(contextPath)"

        """
    }

    /// Writes the hook (through a temporary name and a rename, mode 0755); returns its path.
    /// A hook layerpin did not write is kept unless `force`.
    package func install(force: Bool) throws(LayerpinError) -> String {
        let hooks = String(
            decoding: try runner.run("git", ["rev-parse", "--git-path", "hooks"], in: root), as: UTF8.self
        )
        .trimmedLine
        let prefix = String(decoding: try runner.run("git", ["rev-parse", "--show-prefix"], in: root), as: UTF8.self)
            .trimmedLine
        let directory = hooks.hasPrefix("/") ? hooks : root + "/" + hooks
        let path = directory + "/" + kind.rawValue
        let hooksDirectory = try OpenDirectory(directory)
        if let existing = try hooksDirectory.read(Array(kind.rawValue.utf8)), !force,
            !String(decoding: existing, as: UTF8.self).contains(Self.marker)
        {
            throw .hookExists(path: path)
        }
        let context = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        try hooksDirectory.write(Array(kind.rawValue.utf8), Array(script(contextPath: context).utf8), mode: 0o755)
        return path
    }
}
