import Foundation
import LayerpinTestSupport
import Testing

@Suite("Archives: context --tar, verify --tar and --image-archive (the built binary)")
struct ArchiveCommandTests {
    static var archives: URL { Fixture.directory.appendingPathComponent("archives") }

    /// Plans a context holding `spec` at /app; returns the tree (owning the manifest).
    static func planned(_ spec: String) throws -> TreeBuilder {
        let tree = TreeBuilder(spec)
        tree.file("layerpin.yaml", "workdir: /app\n")
        tree.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        let plan = try CommandRunner.layerpin(["plan"], in: tree.root)
        #expect(plan.status == 0, "\(plan.stderr)")
        return tree
    }

    @Test(
        "hostile archives are data: cleaned, never followed, capped, refused when they leave the root",
        arguments: [
            ("absolute-path.tar", 0, "ok: commit unknown", ""),
            ("dotdot-inside.tar", 1, "extra /app/other.py\n", ""),
            ("symlink-escape.tar", 1, "extra /app/link\n", ""),
            ("hardlink-known.tar", 1, "extra /app/hard.py\n", ""),
            ("duplicate-entries.tar", 1, "content /app/main.py\n", ""),
            ("dotdot-escape.tar", 2, "", "app/../../etc/passwd: entry leaves the image root"),
            ("hardlink-unknown.tar", 2, "", "app/hard: hard link to a file the archive has not shown"),
            ("truncated.tar", 2, "", "app/big.bin:"),
            ("corrupt-header.tar", 2, "", "layerpin: "),
            ("bomb.tar.gz", 2, "", "app/zeros.bin: more than 16000000 bytes unpacked (limit)"),
            ("many-entries.tar", 2, "", "more than 2000 entries (limit)"),
        ])
    func hostile(archive: String, status: Int32, stdout: String, stderr: String) throws {
        let tree = try Self.planned("main.py = print(1)\\n\n")
        defer { tree.remove() }
        let result = try CommandRunner.layerpin(
            [
                "verify", "--tar", Self.archives.appendingPathComponent(archive).path, "--manifest",
                tree.root + "/.layerpin/manifest.json", "--max-bytes", "16000000", "--max-entries", "2000",
            ])
        #expect(result.status == status, "\(archive): \(result.stderr)")
        #expect(result.stdoutText.hasPrefix(stdout), "\(archive): \(result.stdoutText)")
        if !stderr.isEmpty { #expect(result.stderr.contains(stderr), "\(archive): \(result.stderr)") }
    }

    /// `verify --image-archive` of a crafted archive against the manifest planned for `spec`.
    static func verifyImageArchive(_ archive: String, plannedFor spec: String, _ extra: [String] = []) throws
        -> CommandResult
    {
        let tree = try planned(spec)
        defer { tree.remove() }
        return try CommandRunner.layerpin(
            [
                "verify", "--image-archive", archives.appendingPathComponent(archive).path, "--manifest",
                tree.root + "/.layerpin/manifest.json",
            ] + extra)
    }

    @Test("a multi-platform archive: the image of the platform named, never a guess between platforms")
    func multiPlatform() throws {
        let archive = "multi-platform-image.tar"
        let unnamed = try Self.verifyImageArchive(archive, plannedFor: "main.py = print(2)\\n\n")
        #expect(unnamed.status == 2)
        #expect(
            unnamed.stderr.contains("the archive holds images for linux/amd64, linux/arm64: name one with --platform"),
            "\(unnamed.stderr)")
        for platform in ["linux/arm64", "linux/aarch64", "arm64"] {
            let arm64 = try Self.verifyImageArchive(
                archive, plannedFor: "main.py = print(2)\\n\n", ["--platform", platform])
            #expect(arm64.status == 0, "\(platform): \(arm64.stdoutText)\(arm64.stderr)")
        }
        let amd64 = try Self.verifyImageArchive(
            archive, plannedFor: "main.py = print(2)\\n\n", ["--platform", "linux/amd64"])
        #expect(amd64.status == 1)
        #expect(amd64.stdoutText.contains("content /app/main.py"))
        let missing = try Self.verifyImageArchive(
            archive, plannedFor: "main.py = print(2)\\n\n", ["--platform", "linux/s390x"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no image for linux/s390x in the archive (it holds linux/amd64, linux/arm64)"))
        let single = try Self.verifyImageArchive(
            "whiteouts-image.tar", plannedFor: "main.py = print(3)\\n\ndir/y = y\\n\n", ["--platform", "linux/arm64"])
        #expect(single.status == 2, "an image whose config names no platform is none of arm64")
    }

    @Test("a docker save archive: layers applied in order with whiteouts and opaque directories")
    func whiteouts() throws {
        let result = try Self.verifyImageArchive(
            "whiteouts-image.tar", plannedFor: "main.py = print(3)\\n\ndir/y = y\\n\n")
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderr)")
        let old = try Self.verifyImageArchive(
            "whiteouts-image.tar", plannedFor: "main.py = print(1)\\n\nold.py = old\\n\n")
        #expect(old.status == 1)
        #expect(old.stdoutText == "extra /app/dir\nextra /app/dir/y\ncontent /app/main.py\nmissing /app/old.py\n")
    }

    @Test("a docker save whose Layers name one blob twice applies every position")
    func repeatedLayer() throws {
        let result = try Self.verifyImageArchive("repeated-layer-image.tar", plannedFor: "main.py = print(1)\\n\n")
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderr)")
        #expect(result.stdoutText.hasPrefix("ok: commit unknown, 1 entries (1 files) verified"))
    }

    @Test("dockerd 20.10's repeated layer, a symlink to the first copy, is read through the link inside the archive")
    func linkedLayer() throws {
        let result = try Self.verifyImageArchive("linked-layer-image.tar", plannedFor: "main.py = print(1)\\n\n")
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderr)")
        #expect(result.stdoutText.hasPrefix("ok: commit unknown, 1 entries (1 files) verified"))
        let escape = try Self.verifyImageArchive("layer-link-escape-image.tar", plannedFor: "main.py = print(1)\\n\n")
        #expect(escape.status == 2)
        #expect(escape.stderr.contains("empty2/layer.tar"), "\(escape.stderr)")
    }

    @Test(
        "a later layer that turns an ancestor of the app into a symlink: what lay under it is gone, the link is followed"
    )
    func ancestorSymlink() throws {
        let tree = TreeBuilder("main.py = print(1)\\n\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "workdir: /srv/app\n")
        tree.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        let result = try CommandRunner.layerpin(
            [
                "verify", "--image-archive", Self.archives.appendingPathComponent("ancestor-symlink-image.tar").path,
                "--manifest", tree.root + "/.layerpin/manifest.json",
            ])
        #expect(result.status == 1, "\(result.stdoutText)")
        // The image's processes read /srv/app/main.py through srv -> evil: the evil file, never "ok".
        #expect(result.stdoutText.contains("content /srv/app/main.py"))
    }

    @Test("an image path under a symlinked parent is read through the link, inside the image")
    func symlinkedParent() throws {
        let tree = TreeBuilder("main.py = print(1)\\n\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "workdir: /srv/app\n")
        tree.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        let image = TreeBuilder("data/app/main.py = print(1)\\n\nsrv -> data\nabs -> /data\n")
        defer { image.remove() }
        let tar = image.root + "/../image-\(getpid()).tar"
        defer { unlink(tar) }
        #expect(try CommandRunner.run("/bin/tar", ["-C", image.root, "-cf", tar, "data", "srv", "abs"]).status == 0)
        let manifest = tree.root + "/.layerpin/manifest.json"
        let result = try CommandRunner.layerpin(["verify", "--tar", tar, "--manifest", manifest])
        #expect(result.status == 0, "\(result.stdoutText)")
        // The same tree, /srv/app through an absolute link, and the file changed: named at its image path.
        tree.file("layerpin.yaml", "workdir: /abs/app\n")
        #expect(try CommandRunner.layerpin(["plan"], in: tree.root).status == 0)
        image.file("data/app/main.py", "print(2)\n")
        #expect(try CommandRunner.run("/bin/tar", ["-C", image.root, "-cf", tar, "data", "srv", "abs"]).status == 0)
        let changed = try CommandRunner.layerpin(["verify", "--tar", tar, "--manifest", manifest])
        #expect(changed.status == 1)
        #expect(changed.stdoutText.contains("content /abs/app/main.py"), "\(changed.stdoutText)")
    }

    @Test(
        "a baked manifest hidden or replaced by a later layer is not used; a layer outside the archive is refused",
        arguments: [
            ("manifest-opaque-whiteout-image.tar", "the image carries no manifest"),
            ("manifest-symlink-image.tar", "the image carries no manifest"),
            ("layer-outside-image.tar", "manifest.json names layer ../outside/layer.tar, outside the archive"),
            ("document-flood-image.tar.gz", "more than 16000000 bytes unpacked (limit)"),
        ])
    func manifestTricks(archive: String, message: String) throws {
        let elsewhere = TreeBuilder()
        defer { elsewhere.remove() }
        let result = try CommandRunner.layerpin(
            [
                "verify", "--image-archive", Self.archives.appendingPathComponent(archive).path, "--max-bytes",
                "16000000",
            ],
            in: elsewhere.root)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// libarchive (and the dozen libraries it links) is loaded by the first archive a command
    /// reads or writes, not at start-up: strace sees which files each run opens.
    @Test("libarchive is loaded only by a command that reads or writes an archive")
    func libarchiveLoadedOnDemand() throws {
        let tree = TreeBuilder("requirements.txt = six\\n\nsrc/app.py = print(1)\\n\n")
        defer { tree.remove() }
        func opened(_ arguments: [String]) throws -> String {
            let log = NSTemporaryDirectory() + "layerpin-strace-\(UUID().uuidString).log"
            let result = try CommandRunner.layerpin(
                arguments, in: tree.root, wrapper: ["/usr/bin/strace", "-f", "-qq", "-e", "trace=openat", "-o", log])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            defer { try? FileManager.default.removeItem(atPath: log) }
            return try String(contentsOfFile: log, encoding: .utf8)
        }
        let digest = try opened(["digest"])
        #expect(digest.contains("openat("), "strace recorded nothing")
        #expect(!digest.contains("libarchive"), "digest loaded libarchive")
        let archive = try opened(["context", "--tar", "-"])
        #expect(archive.contains("libarchive.so.13"), "context --tar did not load libarchive")
    }

    /// Two trees with the same content but different mtimes and umasks give byte-identical archives.
    @Test("context --tar is deterministic across mtimes, umasks and runs")
    func determinism() throws {
        let spec =
            "requirements.txt = six\\n\nsrc/app.py = print(1)\\n\nsrc/run.sh* = exec x\\n\nlink -> src/app.py\nempty/\ncaf%C3%A9.txt = x\n"
        let first = TreeBuilder(spec)
        defer { first.remove() }
        let second = TreeBuilder(spec)
        defer { second.remove() }
        second.chmod("requirements.txt", 0o664)
        second.chmod("src/run.sh", 0o775)
        second.chmod("empty", 0o700)
        let old = Date(timeIntervalSince1970: 1_000_000)
        for path in ["requirements.txt", "src/app.py", "empty", "src"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: second.root + "/" + path)
        }
        let environment = ["SOURCE_DATE_EPOCH": "1700000000"]
        let a = try CommandRunner.layerpin(["context", "--tar", "-"], in: first.root, environment: environment)
        let b = try CommandRunner.layerpin(["context", "--tar", "-"], in: second.root, environment: environment)
        let c = try CommandRunner.layerpin(["context", "--tar", "-"], in: first.root, environment: environment)
        #expect(a.status == 0)
        #expect(!a.stdout.isEmpty)
        #expect(a.stdout == b.stdout, "the two trees' archives differ")
        #expect(a.stdout == c.stdout, "a second run differs")
        let gzipA = try CommandRunner.layerpin(
            ["context", "--tar", "-", "--gzip"], in: first.root, environment: environment)
        let gzipB = try CommandRunner.layerpin(
            ["context", "--tar", "-", "--gzip"], in: second.root, environment: environment)
        #expect(gzipA.stdout == gzipB.stdout, "the gzip archives differ")
        #expect(Array(gzipA.stdout[4..<8]) == [0, 0, 0, 0])  // no gzip timestamp
        let other = try CommandRunner.layerpin(
            ["context", "--tar", "-"], in: first.root, environment: ["SOURCE_DATE_EPOCH": "1"])
        #expect(other.stdout != a.stdout, "the mtime is not in the headers")
    }

    @Test(
        "GNU tar and bsdtar read it back: the listing, modes, owners and bytes; its entries digest to the context digest"
    )
    func interop() throws {
        let tree = TreeBuilder(
            "requirements.txt = six\\n\nsrc/app.py = print(1)\\n\nsrc/run.sh* = exec x\\n\nlink -> src/app.py\nempty/\n"
        )
        defer { tree.remove() }
        tree.file(
            Array(("deep/" + String(repeating: "d", count: 120) + "/caf\u{E9} long name.txt").utf8), Array("x".utf8))
        let archive = tree.root + "/../" + URL(fileURLWithPath: tree.root).lastPathComponent + ".tar"
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let written = try CommandRunner.layerpin(
            ["context", "--tar", archive], in: tree.root, environment: ["SOURCE_DATE_EPOCH": "0"])
        #expect(written.status == 0, "\(written.stderr)")
        let listing = try CommandRunner.layerpin(["context", "--list"], in: tree.root).stdoutText
        for (tool, arguments) in [("/bin/tar", ["-tf", archive]), ("/usr/bin/bsdtar", ["-tf", archive])] {
            let read = try CommandRunner.run(tool, arguments, environment: ["LC_ALL": "C"])
            #expect(read.status == 0, "\(tool): \(read.stderr)")
            // In the C locale both print non-ASCII bytes as \ooo: undo that, drop the "/" of directories.
            let names = read.stdoutText.split(separator: "\n").map { line -> String in
                let name = String(decoding: Self.unescapeOctal(String(line)), as: UTF8.self)
                return name.hasSuffix("/") ? String(name.dropLast()) : name
            }
            #expect(names.joined(separator: "\n") + "\n" == listing, "\(tool)")
        }
        let verbose = try CommandRunner.run(
            "/bin/tar", ["-tvf", archive, "--numeric-owner"], environment: ["LC_ALL": "C"])
        #expect(verbose.stdoutText.contains("-rwxr-xr-x 0/0"))
        #expect(verbose.stdoutText.contains("lrwxrwxrwx 0/0"))
        #expect(verbose.stdoutText.contains("1970-01-01 00:00"))
        // Extracted by bsdtar, the tree has the same context digest.
        let out = TreeBuilder()
        defer { out.remove() }
        #expect(try CommandRunner.run("/usr/bin/bsdtar", ["-xf", archive, "-C", out.root]).status == 0)
        let original = try CommandRunner.layerpin(["digest", "--no-cache"], in: tree.root).stdoutText
        let extracted = try CommandRunner.layerpin(["digest", "--no-cache"], in: out.root).stdoutText
        #expect(original == extracted)
    }

    static func unescapeOctal(_ text: String) -> [UInt8] {
        Fixture.unescape(text, marker: UInt8(ascii: "\\"), digits: 3, radix: 8)
    }

    @Test(
        "a Dockerfile the context excludes travels as .layerpin/Dockerfile, out of COPY's way; the stat cache never goes in"
    )
    func dockerfileAdded() throws {
        let tree = TreeBuilder("app.py = x\nDockerfile = FROM scratch\n")
        defer { tree.remove() }
        tree.file(".dockerignore", "Dockerfile\n")
        let result = try CommandRunner.layerpin(["context", "--tar", "-"], in: tree.root)
        let path = tree.root + "/../ctx-\(getpid()).tar"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(result.stdout).write(to: URL(fileURLWithPath: path))
        let names = try CommandRunner.run("/bin/tar", ["-tf", path]).stdoutText
        #expect(names == ".dockerignore\n.layerpin/\n.layerpin/Dockerfile\napp.py\n")
        _ = try CommandRunner.layerpin(["digest"], in: tree.root)  // writes .layerpin/cache
        let again = try CommandRunner.layerpin(["context", "--tar", "-"], in: tree.root)
        #expect(again.stdout.count > 0)
        try Data(again.stdout).write(to: URL(fileURLWithPath: path))
        #expect(
            try CommandRunner.run("/bin/tar", ["-tf", path]).stdoutText
                == ".dockerignore\n.layerpin/\n.layerpin/Dockerfile\napp.py\n")
    }
}
