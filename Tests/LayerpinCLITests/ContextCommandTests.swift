import Foundation
import LayerpinTestSupport
import Testing

@Suite("layerpin context (the built binary)")
struct ContextCommandTests {
    @Test("lists entries sorted by bytes, one per line, .dockerignore applied")
    func list() throws {
        let tree = TreeBuilder("b\na/x\nlog/1.log\nlog/keep\n")
        defer { tree.remove() }
        tree.file(".dockerignore", "log\n!log/keep\n")
        let result = try CommandRunner.layerpin(["context", "--list", "--root", tree.root])
        #expect(result.status == 0)
        #expect(result.stdoutText == ".dockerignore\na\na/x\nb\nlog\nlog/keep\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("-z separates with NUL and keeps raw bytes, newlines and non-UTF-8 included")
    func nul() throws {
        let tree = TreeBuilder()
        defer { tree.remove() }
        tree.file([0x6E, 0x0A, 0x6C], [1])
        tree.file([0x62, 0xFF], [2])
        let result = try CommandRunner.layerpin(["context", "-z"], in: tree.root)
        #expect(result.status == 0)
        #expect(result.stdout == [0x62, 0xFF, 0x00, 0x6E, 0x0A, 0x6C, 0x00])
    }

    @Test(
        "an invalid pattern is exit 2 naming .dockerignore:LINE",
        arguments: [("a\n!\n", 2), ("# c\nfoo[\n", 2), ("x\ny\nz\\", 3)])
    func invalidPattern(ignore: String, line: Int) throws {
        let tree = TreeBuilder("a\n")
        defer { tree.remove() }
        tree.file(".dockerignore", ignore)
        let result = try CommandRunner.layerpin(["context", "--root", tree.root])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("layerpin: .dockerignore:\(line): invalid pattern"))
    }

    @Test("a FIFO in the context is exit 2 naming it, and never blocks")
    func fifo() throws {
        let tree = TreeBuilder("a\n")
        defer { tree.remove() }
        tree.fifo("queue")
        let result = try CommandRunner.layerpin(["context", "--root", tree.root])
        #expect(result.status == 2)
        #expect(result.stderr.contains("queue: a FIFO cannot be sent in a build context"))
        let digest = try CommandRunner.layerpin(["digest", "--root", tree.root])
        #expect(digest.status == 2)
    }

    @Test("an unreadable file Docker would send is exit 2 naming it; one under an ignored directory is skipped")
    func unreadable() throws {
        guard getuid() == 0 else { return }  // needs root to drop to another user; CI runs as root
        let tree = TreeBuilder("ok\nsecret/key\nprivate/x\n")
        defer { tree.remove() }
        _ = chmod(tree.root, 0o755)
        tree.chmod("secret/key", 0o600)
        tree.chmod("private", 0o700)
        let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        let sent = try CommandRunner.layerpin(["context", "--root", tree.root], wrapper: asNobody)
        #expect(sent.status == 2)
        #expect(sent.stderr.contains("private: open failed: Permission denied") || sent.stderr.contains("secret/key"))
        tree.file(".dockerignore", "private\n")
        let file = try CommandRunner.layerpin(["context", "--root", tree.root], wrapper: asNobody)
        #expect(file.status == 2)
        #expect(file.stderr.contains("secret/key: open failed: Permission denied"))
        tree.file(".dockerignore", "private\nsecret\n")
        let fine = try CommandRunner.layerpin(["context", "--root", tree.root], wrapper: asNobody)
        #expect(fine.status == 0)
        #expect(fine.stdoutText == ".dockerignore\nok\n")
    }

    @Test("bad usage is exit 2 with the usage on stderr")
    func badUsage() throws {
        let result = try CommandRunner.layerpin(["context", "--no-such-flag"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Unknown option"))
        let missing = try CommandRunner.layerpin(["context", "--root", "/nonexistent/dir"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/dir"))
    }
}

@Suite("layerpin lint, dockerfile and init (the built binary)")
struct DockerfileCommandTests {
    @Test("lint speaks text, JSON and SARIF, and exits 1 on a warning")
    func formats() throws {
        let tree = TreeBuilder("requirements.txt = six\napp.py = print(1)\n")
        defer { tree.remove() }
        tree.file(".dockerignore", ".layerpin/cache\n")
        tree.file("Dockerfile", "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n")
        let text = try CommandRunner.layerpin(["lint"], in: tree.root)
        #expect(text.status == 1)
        #expect(text.stdoutText.contains("Dockerfile:3: warning LP001 "))
        let json = try CommandRunner.layerpin(["lint", "--format", "json"], in: tree.root)
        let findings = try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [[String: Any]]
        #expect(findings?.map { $0["rule"] as? String } == ["LP008", "LP001"])
        #expect(findings?.last?["line"] as? Int == 3)
        let sarif = try CommandRunner.layerpin(["lint", "--format", "sarif"], in: tree.root)
        let log = try JSONSerialization.jsonObject(with: Data(sarif.stdout)) as? [String: Any]
        #expect(log?["version"] as? String == "2.1.0")
        let results = ((log?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(results.map { $0["ruleId"] as? String } == ["LP008", "LP001"])
        #expect(results.map { $0["level"] as? String } == ["note", "warning"])
        tree.file(
            "Dockerfile",
            "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n")
        #expect(try CommandRunner.layerpin(["lint"], in: tree.root).status == 0)  // info only
    }

    @Test("lint names the Makefile line that feeds a build arg from the clock (LP003)")
    func clockFedMakefile() throws {
        let tree = TreeBuilder("requirements.txt = six\napp.py = print(1)\n")
        defer { tree.remove() }
        tree.file(
            "Dockerfile",
            "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nARG CACHEBUST\nCOPY . .\n"
        )
        tree.file("Makefile", "image:\n\tdocker build --build-arg CACHEBUST=$$(date +%s) -t app .\n")
        let result = try CommandRunner.layerpin(["lint"], in: tree.root)
        #expect(result.status == 1)
        #expect(
            result.stdoutText.contains("Makefile:2: warning LP003 build arg CACHEBUST is fed by the clock"),
            "\(result.stdoutText)")
        let sarif = try CommandRunner.layerpin(["lint", "--format", "sarif"], in: tree.root)
        #expect(sarif.stdoutText.contains("\"uri\":\"Makefile\"") || sarif.stdoutText.contains("\"uri\": \"Makefile\""))
    }

    @Test("lint FILE outside a project checks the file alone and says what it could not check")
    func outsideProject() throws {
        let elsewhere = TreeBuilder(
            "Dockerfile.web = FROM python:3.11\\nWORKDIR /app\\nCOPY . .\\nRUN pip install -r requirements.txt\\n\n")
        defer { elsewhere.remove() }
        let empty = TreeBuilder("notes.txt = not a project\n")
        defer { empty.remove() }
        let result = try CommandRunner.layerpin(["lint", elsewhere.root + "/Dockerfile.web"], in: empty.root)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdoutText.contains("Dockerfile.web:3: warning LP001 "))
        #expect(result.stderr.contains("holds no project"), "\(result.stderr)")
        #expect(result.stderr.contains("was checked alone"))
        #expect(!result.stderr.contains("would be empty"))
    }

    @Test("a malformed Dockerfile is exit 2 naming the line")
    func malformed() throws {
        let tree = TreeBuilder("app.py\n")
        defer { tree.remove() }
        tree.file("Dockerfile", "FROM busybox\nRUN <<EOF\necho\n")
        let result = try CommandRunner.layerpin(["lint"], in: tree.root)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Dockerfile:2: heredoc 'EOF' is never closed"))
    }

    @Test("init says what it found, writes three files, and never overwrites without --force")
    func initialize() throws {
        let tree = TreeBuilder("requirements.txt = six\nmain.py = print(1)\n")
        defer { tree.remove() }
        let first = try CommandRunner.layerpin(["init"], in: tree.root)
        #expect(first.status == 0)
        #expect(first.stdoutText.hasPrefix("ecosystem: python\nentry point: python main.py\n"))
        let dockerfile = try String(contentsOfFile: tree.root + "/Dockerfile", encoding: .utf8)
        tree.file("Dockerfile", "FROM mine\n")
        let second = try CommandRunner.layerpin(["init"], in: tree.root)
        #expect(second.stdoutText.contains("kept Dockerfile (exists; --force overwrites)"))
        #expect(try String(contentsOfFile: tree.root + "/Dockerfile", encoding: .utf8) == "FROM mine\n")
        _ = try CommandRunner.layerpin(["init", "--force"], in: tree.root)
        #expect(try String(contentsOfFile: tree.root + "/Dockerfile", encoding: .utf8) == dockerfile)
        let rendered = try CommandRunner.layerpin(["dockerfile"], in: tree.root)
        #expect(rendered.stdoutText == dockerfile)
    }
}
