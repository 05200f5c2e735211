import Foundation
import LayerpinCore
import LayerpinTestSupport
import Testing

@Suite("Digests from git objects (--git REV)")
struct GitTests {
    private func git(_ tree: TreeBuilder, _ arguments: String...) throws {
        _ = try ToolRunner(environment: [
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_NOSYSTEM": "1", "HOME": tree.root,
        ]).run("git", arguments, in: tree.root)
    }

    private func worktree(_ root: String) throws -> Fingerprint {
        var fingerprinter = Fingerprinter(root: root)
        fingerprinter.useStatCache = false
        return try fingerprinter.fingerprint()
    }

    @Test("on a clean checkout the git digests equal the working-tree digests")
    func cleanCheckout() throws {
        let tree = TreeBuilder(
            #"""
            requirements.txt = -r more.txt
            more.txt = six
            src/app.py = print(1)
            run.sh* 
            link -> src/app.py
            ignored.log = x
            sub/deep/file = y
            """#)
        defer { tree.remove() }
        tree.file(".dockerignore", ".git\n*.log\n")
        try git(tree, "init", "-q")
        try git(tree, "add", "-A")
        try git(tree, "commit", "-q", "-m", "one")
        let fromGit = try Fingerprinter(root: tree.root).fingerprint(gitRevision: "HEAD")
        let fromTree = try worktree(tree.root)
        #expect(fromGit.groups.map(\.name) == ["deps", "src"])
        #expect(fromGit.groups.map(\.digest) == fromTree.groups.map(\.digest))
        #expect(fromGit.context.digest == fromTree.context.digest)
        #expect(fromGit.context.entries.count == fromTree.context.entries.count)

        // A change in the working tree: the commit's digest stays, the tree's moves.
        tree.file("src/app.py", "print(2)")
        #expect(try worktree(tree.root).context.digest != fromGit.context.digest)
        #expect(
            try Fingerprinter(root: tree.root).fingerprint(gitRevision: "HEAD").context.digest == fromGit.context.digest
        )
    }

    @Test("a context in a subdirectory of the repository is read from that subtree")
    func subdirectory() throws {
        let tree = TreeBuilder("service/app.py = a\nservice/requirements.txt = six\nother/x = y\n")
        defer { tree.remove() }
        try git(tree, "init", "-q")
        try git(tree, "add", "-A")
        try git(tree, "commit", "-q", "-m", "one")
        let root = tree.root + "/service"
        let fromGit = try Fingerprinter(root: root).fingerprint(gitRevision: "HEAD")
        #expect(fromGit.context.entries.map { RawPath.display($0.path) } == ["app.py", "requirements.txt"])
        #expect(fromGit.context.digest == (try worktree(root)).context.digest)
    }

    @Test("a committed .layerpin/ is left out of the digests; its byte-order neighbours are not")
    func committedStatCache() throws {
        // ".layerpin-x" and ".layerpin.bak" sort between ".layerpin" and ".layerpin/cache".
        let tree = TreeBuilder(
            ".dockerignore = .git\n.layerpin/cache = junk\n.layerpin-x = a\n.layerpin.bak = b\napp.py = c\n")
        defer { tree.remove() }
        try git(tree, "init", "-q")
        try git(tree, "add", "-A")
        try git(tree, "commit", "-q", "-m", "one")
        let fromGit = try Fingerprinter(root: tree.root).fingerprint(gitRevision: "HEAD")
        #expect(
            fromGit.context.entries.map { RawPath.display($0.path) } == [
                ".dockerignore", ".layerpin-x", ".layerpin.bak", "app.py",
            ])
        #expect(fromGit.context.digest == (try worktree(tree.root)).context.digest)
    }

    @Test("an unknown revision is a tool error naming git")
    func unknownRevision() throws {
        let tree = TreeBuilder("a\n")
        defer { tree.remove() }
        try git(tree, "init", "-q")
        #expect {
            try Fingerprinter(root: tree.root).fingerprint(gitRevision: "nope")
        } throws: { error in
            guard case LayerpinError.toolFailed(let command, _, _) = error else { return false }
            return command.hasPrefix("git rev-parse")
        }
    }
}
