import LayerpinIgnore

/// What git says about the commit a context is planned from.
enum GitInfo {
    /// The commit, branch and commit time of HEAD, and whether a file inside the build context
    /// differs from it; nil outside a git repository (or without git).
    static func read(root: String, matcher: IgnoreMatcher, runner: ToolRunner) throws(LayerpinError) -> Manifest.Git? {
        func git(_ arguments: [String]) throws(LayerpinError) -> String {
            String(decoding: try runner.run("git", arguments, in: root), as: UTF8.self)
        }
        guard (try? git(["rev-parse", "--is-inside-work-tree"])) == "true\n" else { return nil }
        // A repository without a commit yet has nothing to name.
        guard let commit = try? git(["rev-parse", "--verify", "HEAD^{commit}"]).trimmedLine else { return nil }
        let branch = try git(["rev-parse", "--abbrev-ref", "HEAD"]).trimmedLine
        let time = try git(["show", "-s", "--format=%cI", commit]).trimmedLine
        let prefix = Array(try git(["rev-parse", "--show-prefix"]).trimmedLine.utf8)
        let status = try runner.run(
            "git", ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", "."], in: root)
        var dirty = false
        for record in status.split(separator: 0) where record.count > 3 {
            // "XY path", the path relative to the top of the repository.
            let full = Array(record.dropFirst(3))
            guard full.starts(with: prefix) else { continue }
            let path = Array(full.dropFirst(prefix.count))
            if RawPath.isWithin(path, GroupPartition.excludedFromDigests) || matcher.isExcluded(path) { continue }
            dirty = true
            break
        }
        return Manifest.Git(commit: commit, branch: branch == "HEAD" ? nil : branch, commitTime: time, dirty: dirty)
    }
}

extension GitInfo {
    /// The committer time of HEAD (ISO 8601), or nil outside a repository or before the first commit.
    static func headCommitTime(root: String, runner: ToolRunner) -> String? {
        guard let output = try? runner.run("git", ["show", "-s", "--format=%cI", "HEAD"], in: root) else { return nil }
        let text = String(decoding: output, as: UTF8.self).trimmedLine
        return text.isEmpty ? nil : text
    }
}

extension String {
    /// The text without its trailing newline.
    var trimmedLine: String {
        var text = self
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
