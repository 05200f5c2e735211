import Foundation
import LayerpinTestSupport
import Testing

@Suite("layerpin digest (the built binary)")
struct DigestCommandTests {
    static var pythonApp: String { Fixture.directory.appendingPathComponent("python-app").path }

    @Test("the bundled python-app: deps and src lines, then context (pinned)")
    func pythonApp() throws {
        let result = try CommandRunner.layerpin(["digest", "--no-cache", "--root", Self.pythonApp])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        assertSnapshot(result.stdoutText, named: "digest-python-app.txt")
    }

    @Test("--json carries each digest with its entry count and bytes (pinned)")
    func json() throws {
        let result = try CommandRunner.layerpin(["digest", "--json", "--no-cache", "--root", Self.pythonApp])
        #expect(result.status == 0)
        assertSnapshot(result.stdoutText, named: "digest-python-app.json")
        let decoded = try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any]
        let groups = try #require(decoded?["groups"] as? [[String: Any]])
        #expect(groups.map { $0["name"] as? String } == ["deps", "src"])
    }

    @Test("progress: quick work prints nothing on stderr, even with progress forced on")
    func quietProgress() throws {
        let tree = TreeBuilder("a = x\n")
        defer { tree.remove() }
        let result = try CommandRunner.layerpin(["digest"], in: tree.root, environment: ["LAYERPIN_PROGRESS": "1"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
    }

    @Test("the coreutils one-liner of docs/digest-spec.md re-derives a simple tree's digest")
    func coreutils() throws {
        let tree = TreeBuilder(#"hello.txt = hello\n"# + "\n" + #"bin/run* = echo run\n"# + "\nempty/\nsub/a = a\n")
        defer { tree.remove() }
        let oneLiner = try String(
            contentsOf: Fixture.directory.deletingLastPathComponent().appendingPathComponent(
                "docs/digest-spec.oneliner.sh"),
            encoding: .utf8)
        let shell = try CommandRunner.run("/bin/sh", ["-c", oneLiner], in: tree.root)
        #expect(shell.status == 0)
        let ours = try CommandRunner.layerpin(["digest", "--no-cache"], in: tree.root)
        let contextLine = ours.stdoutText.split(separator: "\n").last.map(String.init)
        #expect(contextLine == "context sha256:" + shell.stdoutText.prefix(64))
    }

    @Test("a local-path requirement is a warning on stderr naming file and line; the digest still prints")
    func localPathWarning() throws {
        let tree = TreeBuilder(#"requirements.txt = flask\n-e .\n"# + "\napp.py\n")
        defer { tree.remove() }
        let result = try CommandRunner.layerpin(["digest", "--no-cache"], in: tree.root)
        #expect(result.status == 0)
        #expect(result.stderr.contains("layerpin: warning: requirements.txt:2: '-e .' installs from a local path"))
        #expect(
            result.stdoutText.split(separator: "\n").map { $0.split(separator: " ")[0] } == ["deps", "src", "context"])
    }

    @Test("--git HEAD equals the working tree on a clean checkout and stays put when the tree changes")
    func git() throws {
        let tree = TreeBuilder("requirements.txt = six\nsrc/app.py = v1\n")
        defer { tree.remove() }
        tree.file(".dockerignore", ".git\n")
        let env = [
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.invalid", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@x.invalid",
        ]
        for command in [["init", "-q"], ["add", "-A"], ["commit", "-qm", "one"]] {
            #expect(try CommandRunner.run("/usr/bin/git", command, in: tree.root, environment: env).status == 0)
        }
        let fromGit = try CommandRunner.layerpin(["digest", "--git", "HEAD"], in: tree.root)
        let fromTree = try CommandRunner.layerpin(["digest"], in: tree.root)
        #expect(fromGit.status == 0)
        #expect(fromGit.stdoutText == fromTree.stdoutText)
        tree.file("src/app.py", "v2")
        #expect(try CommandRunner.layerpin(["digest"], in: tree.root).stdoutText != fromGit.stdoutText)
        #expect(
            try CommandRunner.layerpin(["digest", "--git", "HEAD"], in: tree.root).stdoutText == fromGit.stdoutText)
        let bad = try CommandRunner.layerpin(["digest", "--git", "no-such-rev"], in: tree.root)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("git rev-parse"))
    }

    @Test("config errors are exit 2 naming layerpin.yaml:LINE")
    func configErrors() throws {
        let tree = TreeBuilder("a\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "groups:\n  deps: [requirements.txt]\n")
        let empty = try CommandRunner.layerpin(["digest"], in: tree.root)
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("group 'deps' matches no file"))
        tree.file("layerpin.yaml", "ecosystem: cobol\n")
        let bad = try CommandRunner.layerpin(["digest"], in: tree.root)
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("layerpin: layerpin.yaml:1: unknown ecosystem 'cobol'"))
    }
}
