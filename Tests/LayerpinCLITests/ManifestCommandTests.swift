import Foundation
import LayerpinTestSupport
import Testing

/// A context with a fixed image name and no git, so outputs are deterministic.
private func sampleContext() -> TreeBuilder {
    let tree = TreeBuilder(
        #"""
        requirements.txt = six==1.16.0\n
        src/app.py = print('v1')\n
        src/run.sh* = #!/bin/sh\nexec python src/app.py\n
        """#)
    tree.file("layerpin.yaml", "image: demo\nworkdir: /srv/app\n")
    return tree
}

@Suite("layerpin plan, args, check, diff (the built binary)")
struct ManifestCommandTests {
    @Test("plan writes the manifest, build args and verifier, then reports what changed and what rebuilds")
    func plan() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        let first = try CommandRunner.layerpin(["plan"], in: tree.root)
        #expect(first.status == 0)
        #expect(first.stdoutText.contains("first plan: every layer builds"))
        for file in ["manifest.json", "build-args.env", "verify.sh"] {
            #expect(FileManager.default.fileExists(atPath: tree.root + "/.layerpin/" + file), "\(file)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: tree.root + "/.layerpin/verify.sh")[
            .posixPermissions]
        #expect(mode as? Int == 0o755)
        let again = try CommandRunner.layerpin(["plan"], in: tree.root)
        #expect(again.stdoutText.contains("no change: every layer is cached"))
        tree.file("src/app.py", "print('v2')\n")
        let code = try CommandRunner.layerpin(["plan"], in: tree.root)
        #expect(code.stdoutText.contains("content src/app.py (src)\nchanged groups: src\nrebuilds: src\n"))
        tree.file("requirements.txt", "six==1.17.0\n")
        let deps = try CommandRunner.layerpin(["plan", "--json"], in: tree.root)
        let report = try JSONSerialization.jsonObject(with: Data(deps.stdout)) as? [String: Any]
        #expect(report?["rebuilds"] as? [String] == ["deps", "src"])
        #expect(report?["changedGroups"] as? [String] == ["deps"])
    }

    @Test("args in every format (pinned)", arguments: ["docker", "env", "make", "github", "json", "shell"])
    func args(format: String) throws {
        let tree = sampleContext()
        defer { tree.remove() }
        let result = try CommandRunner.layerpin(["args", "--format", format], in: tree.root)
        #expect(result.status == 0)
        assertSnapshot(result.stdoutText, named: "args-\(format).txt")
    }

    @Test("the docker format splits into the words docker build wants")
    func dockerWords() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        let words = try CommandRunner.layerpin(["args", "--format", "docker"], in: tree.root).stdoutText
            .split(whereSeparator: { $0 == " " || $0 == "\n" })
        #expect(words.count == 22)
        #expect(words[0] == "--build-arg")
        #expect(words[1] == "LAYERPIN_COMMIT=unknown")
        #expect(words[3] == "LAYERPIN_CREATED=1970-01-01T00:00:00Z")
        #expect(words[8] == "--label")
        #expect(words[9].hasPrefix("io.layerpin.digest.context=sha256:"))
        #expect(words.contains { $0.hasPrefix("io.layerpin.manifest=sha256:") })
        #expect(words.contains { $0.hasPrefix("io.layerpin.recipe=sha256:") })
        #expect(words[20] == "--tag")
        #expect(words[21].hasPrefix("demo:src-"))
    }

    @Test("check: 0 when fresh, 1 naming every stale file, 2 on a malformed manifest")
    func check() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        let fresh = try CommandRunner.layerpin(["check"], in: tree.root)
        #expect(fresh.status == 0)
        #expect(fresh.stdoutText.hasPrefix("up to date: context sha256:"))
        tree.file("src/app.py", "print('v2')\n")
        tree.file("src/new.py", "")
        let stale = try CommandRunner.layerpin(["check"], in: tree.root)
        #expect(stale.status == 1)
        #expect(stale.stdoutText.contains("content src/app.py (src)\n"))
        #expect(stale.stdoutText.contains("added src/new.py (src)\n"))
        let json = try CommandRunner.layerpin(["check", "--json"], in: tree.root)
        #expect(json.status == 1)
        #expect(
            (try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])?["stale"] as? Bool == true)
        tree.file(
            ".layerpin/manifest.json", "{\"schema\": \"layerpin.manifest/v1\",\n \"git\": null,\n \"git\": null}\n")
        let broken = try CommandRunner.layerpin(["check"], in: tree.root)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains(".layerpin/manifest.json:3: duplicate key 'git'"))
        let missing = try CommandRunner.layerpin(["check", "--manifest", "nope.json"], in: tree.root)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.json"))
    }

    @Test("--platform: recorded in the manifest; check compares as planned for it; a malformed one is exit 2")
    func platform() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        #expect(try CommandRunner.layerpin(["plan", "--platform", "linux/aarch64"], in: tree.root).status == 0)
        let manifest = try String(contentsOfFile: tree.root + "/.layerpin/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"platform\": \"linux/arm64\""))
        let fresh = try CommandRunner.layerpin(["check"], in: tree.root)
        #expect(fresh.status == 0, "\(fresh.stdoutText)")
        let other = try CommandRunner.layerpin(["check", "--platform", "linux/arm/v7"], in: tree.root)
        #expect(other.status == 1)
        #expect(other.stdoutText.contains("recipe changed (Dockerfile, base, build args or platform)"))
        let bad = try CommandRunner.layerpin(["plan", "--platform", "linux/arm64/v8/x"], in: tree.root)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("linux/arm64/v8/x"))
    }

    @Test("check --expect-commit compares with the context as committed")
    func expectCommit() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        tree.file(".dockerignore", ".git\n.layerpin\n")
        try Git.commitAll(tree)
        #expect(try CommandRunner.layerpin(["check", "--expect-commit", "HEAD"], in: tree.root).status == 0)
        tree.file("src/app.py", "print('v9')\n")
        let stale = try CommandRunner.layerpin(["check", "--expect-commit", "HEAD"], in: tree.root)
        #expect(stale.status == 1)
        #expect(stale.stdoutText.contains("content src/app.py (src)"))
    }

    @Test("verify --root DIR takes DIR's own manifest from anywhere; an edit is exit 1 naming the file")
    func verifyRoot() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        let elsewhere = TreeBuilder()
        defer { elsewhere.remove() }
        let fresh = try CommandRunner.layerpin(["verify", "--root", tree.root], in: elsewhere.root)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdoutText.hasPrefix("ok: commit unknown"))
        tree.file("src/app.py", "print('v2')\n")
        let stale = try CommandRunner.layerpin(["verify", "--root", tree.root], in: elsewhere.root)
        #expect(stale.status == 1)
        #expect(stale.stdoutText == "content src/app.py\n")
        #expect(
            stale.stderr.contains("1 finding(s); the files were checked against \(tree.root)/.layerpin/manifest.json"))
    }

    @Test("text from a manifest is printed with its control characters escaped: no fake 'ok', no cursor moves")
    func controlCharactersEscaped() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        let path = tree.root + "/.layerpin/manifest.json"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"git\": null"))
        text = text.replacingOccurrences(
            of: "\"git\": null",
            with:
                #""git": {"commit": "abc\u001b[2K\rok: all verified\u001b[0m", "branch": null, "commitTime": "2026-12-01T00:00:00Z", "dirty": false}"#
        )
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CommandRunner.layerpin(["verify", "--root", tree.root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains(0x1B) && !result.stdout.contains(0x0D))
        #expect(result.stdoutText.hasPrefix("ok: commit abc\\u{1b}[2K\\u{d}ok: all verified\\u{1b}[0m, "))
    }

    @Test("files named on the command line may be symlinks; --manifest and --expect-commit apply together")
    func namedSymlinkAndBoth() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        tree.symlink(Array("current.json".utf8), to: Array(".layerpin/manifest.json".utf8))
        let diff = try CommandRunner.layerpin(["diff", "current.json", ".layerpin/manifest.json"], in: tree.root)
        #expect(diff.status == 0, "\(diff.stderr)")
        let both = try CommandRunner.layerpin(
            ["verify", "--root", ".", "--manifest", "current.json", "--expect-commit", "abcdef0"], in: tree.root)
        #expect(both.status == 1, "\(both.stderr)")
        #expect(both.stdoutText.hasPrefix("stale: the tree runs commit unknown"))
    }

    @Test(
        "verify --expect-commit needs at least 7 hex digits: anything else is a usage error",
        arguments: ["abc", "HEAD", "zzzzzzzz", ""])
    func expectCommitUsage(value: String) throws {
        let result = try CommandRunner.layerpin(["verify", "--image-root", "/", "--expect-commit", value])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--expect-commit needs a commit (at least 7 hex digits)"))
    }

    @Test("diff names the changes and the layers that rebuild; identical manifests are exit 0")
    func diff() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        _ = try CommandRunner.layerpin(["plan"], in: tree.root)
        try FileManager.default.copyItem(
            atPath: tree.root + "/.layerpin/manifest.json", toPath: tree.root + "/.layerpin/old.json")
        #expect(
            try CommandRunner.layerpin(["diff", ".layerpin/old.json", ".layerpin/manifest.json"], in: tree.root).status
                == 0)
        tree.file("requirements.txt", "six==1.17.0\n")
        _ = try CommandRunner.layerpin(["plan"], in: tree.root)
        let result = try CommandRunner.layerpin(
            ["diff", ".layerpin/old.json", ".layerpin/manifest.json"], in: tree.root)
        #expect(result.status == 1)
        #expect(result.stdoutText == "content requirements.txt (deps)\nchanged groups: deps\nrebuilds: deps, src\n")
    }

    @Test("a name the verifier cannot carry is refused at plan time, naming it")
    func unsafeName() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        tree.file(Array("src/bad\nname.py".utf8), [])
        let result = try CommandRunner.layerpin(["plan"], in: tree.root)
        #expect(result.status == 2)
        #expect(result.stderr.contains("src/bad\\x0aname.py: its name has control character 0x0a"))
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/.layerpin/manifest.json"))
    }

    @Test("plan killed mid-write or before its rename leaves the old manifest intact")
    func crashSafety() throws {
        let tree = sampleContext()
        defer { tree.remove() }
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        let path = tree.root + "/.layerpin/manifest.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        tree.file("src/app.py", "print('v2')\n")
        // SIGKILL at the first rename (the new manifest fully written under its temporary name), then
        // at the first write of the manifest's temporary file.
        for fault in ["inject=rename,renameat,renameat2:signal=KILL", "inject=write:signal=KILL:when=1"] {
            let killed = try CommandRunner.run(
                "/usr/bin/strace", ["-f", "-qq", "-o", "/dev/null", "-e", fault, CommandRunner.binary, "plan"],
                in: tree.root)
            #expect(killed.status != 0, "\(fault)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "\(fault)")
        }
        #expect(try CommandRunner.layerpin(["check"], in: tree.root).status == 1)  // still the old manifest
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) != before)
    }
}

/// git for tests, with a fixed identity.
enum Git {
    static let environment = [
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.invalid", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x.invalid", "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z",
        "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
    ]

    static func commitAll(_ tree: TreeBuilder) throws {
        for command in [["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "one"]] {
            let result = try CommandRunner.run("/usr/bin/git", command, in: tree.root, environment: environment)
            #expect(result.status == 0, "git \(command): \(result.stderr)")
        }
    }
}

@Suite("layerpin hook install (the built binary, real git)")
struct HookCommandTests {
    @Test("the pre-commit hook refuses a commit while the plan is stale, and keeps foreign hooks")
    func preCommit() throws {
        let tree = TreeBuilder("requirements.txt = six\napp.py = print(1)\n")
        defer { tree.remove() }
        tree.file(".gitignore", ".layerpin/\n")
        try Git.commitAll(tree)
        let installed = try CommandRunner.layerpin(["hook", "install"], in: tree.root)
        #expect(installed.status == 0)
        #expect(installed.stdoutText.hasSuffix(".git/hooks/pre-commit\n"))
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        tree.file("app.py", "print(2)\n")
        #expect(try CommandRunner.run("/usr/bin/git", ["add", "-A"], in: tree.root).status == 0)
        let refused = try CommandRunner.run(
            "/usr/bin/git", ["commit", "-qm", "two"], in: tree.root, environment: Git.environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("content app.py (src)"))  // git shows hook output on stderr
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        let accepted = try CommandRunner.run(
            "/usr/bin/git", ["commit", "-qm", "two"], in: tree.root, environment: Git.environment)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        tree.file(".git/hooks/pre-push", "#!/bin/sh\nexit 0\n")
        let foreign = try CommandRunner.layerpin(["hook", "install", "--pre-push"], in: tree.root)
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("pre-push exists and is not layerpin's"))
        #expect(try CommandRunner.layerpin(["hook", "install", "--pre-push", "--force"], in: tree.root).status == 0)
    }
}
