import Foundation
import LayerpinTestSupport
import Testing

/// verify.sh and `layerpin verify --image-root` must agree on every tampered tree, whichever sh
/// and tools run the script: busybox sh with busybox applets, dash and bash with GNU coreutils.
@Suite("verify.sh against layerpin verify --image-root (busybox, dash, bash)")
struct VerifyScriptTests {
    static let spec = #"""
        requirements.txt = six\n
        src/app.py = print(1)\n
        src/run.sh* = exec python src/app.py\n
        src/caf%C3%A9 data.txt = accents and a space\n
        src/empty/
        src/latin%E9.txt = not UTF-8\n
        src/odd -> t%FE
        link -> src/app.py
        """#

    static let cases: [(String, [String])] = [
        ("untouched", []),
        ("content", ["app/src/app.py = print(2)"]),
        ("exec bit added", ["chmod 755 app/src/app.py"]),
        ("exec bit removed", ["chmod 644 app/src/run.sh"]),
        ("group bits only", ["chmod 775 app/src/run.sh", "chmod 664 app/src/app.py"]),
        ("missing file", ["rm app/requirements.txt"]),
        ("missing directory", ["rmdir app/src/empty"]),
        ("extra file", ["app/src/new.py"]),
        ("extra file with a space", ["app/src/new file.py"]),
        ("extra directory", ["app/cache/"]),
        ("extra under .layerpin is ignored", ["app/.layerpin/x"]),
        ("retargeted symlink", ["rm app/link", "app/link -> src/run.sh"]),
        ("file became a directory", ["rm app/src/app.py", "app/src/app.py/"]),
        ("directory became a file", ["rmdir app/src/empty", "app/src/empty = x"]),
        ("symlink became a file", ["rm app/link", "app/link = print(1)\\n"]),
        ("file became a symlink", ["rm app/requirements.txt", "app/requirements.txt -> src/app.py"]),
        ("several at once", ["app/src/app.py = x", "rm app/link", "app/zz", "chmod 755 app/requirements.txt"]),
    ]

    /// A directory of busybox applets, so a PATH of it alone offers busybox's tools only.
    static let busyboxPath: String = {
        let directory = NSTemporaryDirectory() + "/layerpin-busybox-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for applet in [
            "sh", "sha256sum", "find", "stat", "cat", "sort", "awk", "xargs", "tr", "printf", "mv", "rm", "id",
        ] {
            try? FileManager.default.createSymbolicLink(
                atPath: directory + "/" + applet, withDestinationPath: "/bin/busybox")
        }
        return directory
    }()

    /// The mismatch lines of a run, as a sorted set of "kind path".
    static func mismatches(_ lines: String, prefix: String) -> [String] {
        let kinds = ["missing", "extra", "content", "mode", "kind", "target"]
        return lines.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix(prefix) else { return nil }
            let rest = line.dropFirst(prefix.count)
            guard let kind = rest.split(separator: " ").first, kinds.contains(String(kind)) else { return nil }
            return String(rest)
        }.sorted()
    }

    @Test(arguments: cases.map(\.0))
    func agree(name: String) throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "busybox-static is required (make deps)")
        let steps = Self.cases.first { $0.0 == name }!.1
        let context = TreeBuilder(Self.spec)
        defer { context.remove() }
        context.file("layerpin.yaml", "workdir: /app\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let image = TreeBuilder()
        defer { image.remove() }
        for line in Self.spec.split(separator: "\n") { image.add("app/" + line.trimmingCharacters(in: .whitespaces)) }
        image.apply(steps)

        let manifest = context.root + "/.layerpin/manifest.json"
        let script = context.root + "/.layerpin/verify.sh"
        let ours = try CommandRunner.layerpin(["verify", "--image-root", image.root, "--manifest", manifest])
        let expected = Self.mismatches(ours.stdoutText, prefix: "")
        #expect(ours.status == (expected.isEmpty ? 0 : 1), "\(name): \(ours.stderr)")

        let shells: [(String, String, [String])] = [
            ("busybox", "/bin/busybox", ["sh", script, "--build"]),
            ("dash", "/bin/dash", [script, "--build"]),
            ("bash", "/bin/bash", ["--posix", script, "--build"]),
        ]
        for (label, executable, arguments) in shells {
            let path = label == "busybox" ? Self.busyboxPath : "/usr/bin:/bin"
            let run = try CommandRunner.run(
                executable, arguments, environment: ["PATH": path, "LAYERPIN_ROOT": image.root])
            #expect(
                Self.mismatches(run.stderr, prefix: "layerpin: ") == expected, "\(name) under \(label):\n\(run.stderr)")
            #expect(run.status == (expected.isEmpty ? 0 : 1), "\(name) under \(label)")
        }
        if name == "untouched" { #expect(expected.isEmpty) }
        if name == "group bits only" { #expect(expected.isEmpty) }
        if name == "several at once" {
            #expect(
                expected == [
                    "content /app/src/app.py", "extra /app/zz", "missing /app/link", "mode /app/requirements.txt",
                ])
        }
    }

    @Test(
        "with the layout of COPY lines (a directory and a single file elsewhere), the shells still agree",
        arguments: [
            ([String](), [String]()),
            (["usr/local/bin/app = tampered"], ["content /usr/local/bin/app"]),
            (["srv/code/new.py"], ["extra /srv/code/new.py"]),
            (["rm srv/code/lib.py"], ["missing /srv/code/lib.py"]),
            (["rm usr/local/bin/app"], ["missing /usr/local/bin/app"]),
        ])
    func copyLayout(steps: [String], expected: [String]) throws {
        let context = TreeBuilder("app.py = print(1)\nsrc/lib.py = x\n")
        defer { context.remove() }
        context.file("Dockerfile", "FROM x\nWORKDIR /srv\nCOPY src/ ./code/\nCOPY app.py /usr/local/bin/app\n")
        context.file(".dockerignore", "Dockerfile\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let image = TreeBuilder("srv/code/lib.py = x\nusr/local/bin/app = print(1)\n")
        defer { image.remove() }
        image.apply(steps)
        let ours = try CommandRunner.layerpin(
            ["verify", "--image-root", image.root, "--manifest", context.root + "/.layerpin/manifest.json"])
        #expect(Self.mismatches(ours.stdoutText, prefix: "") == expected.sorted())
        let script = context.root + "/.layerpin/verify.sh"
        for (label, executable, arguments, path) in [
            ("busybox", "/bin/busybox", ["sh", script, "--build"], Self.busyboxPath),
            ("dash", "/bin/dash", [script, "--build"], "/usr/bin:/bin"),
        ] {
            let run = try CommandRunner.run(
                executable, arguments, environment: ["PATH": path, "LAYERPIN_ROOT": image.root])
            #expect(Self.mismatches(run.stderr, prefix: "layerpin: ") == expected.sorted(), "\(label):\n\(run.stderr)")
        }
    }

    @Test(
        "runtime: paths are written at run time, never a failure, decided alike by verify.sh and layerpin verify",
        arguments: [
            (["app/db.sqlite3"], [String](), ["extra /app/db.sqlite3"]),
            (["app/logs/a.log"], [], ["extra /app/logs", "extra /app/logs/a.log"]),
            (
                ["app/src/__pycache__/app.cpython-311.pyc"], [],
                ["extra /app/src/__pycache__", "extra /app/src/__pycache__/app.cpython-311.pyc"]
            ),
            (["app/__pycache__/x.pyc"], [], ["extra /app/__pycache__", "extra /app/__pycache__/x.pyc"]),
            (["app/src/x.tmp"], [], ["extra /app/src/x.tmp"]),
            (["app/src/empty/x.tmp"], ["extra /app/src/empty/x.tmp"], []),
            (["app/db.sqlite3.bak"], ["extra /app/db.sqlite3.bak"], []),
            (["app/dbXsqlite3"], ["extra /app/dbXsqlite3"], []),
            (["app/src/app.py = print(2)", "app/db.sqlite3"], ["content /app/src/app.py"], ["extra /app/db.sqlite3"]),
        ])
    func runtimePaths(steps: [String], failures: [String], runtime: [String]) throws {
        let context = TreeBuilder(Self.spec)
        defer { context.remove() }
        context.file(
            "layerpin.yaml", "workdir: /app\nruntime: [db.sqlite3, logs/, \"**/__pycache__\", \"src/*.tmp\"]\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        let plan = try CommandRunner.layerpin(["plan"], in: context.root)
        #expect(plan.status == 0, "\(plan.stderr)")
        let image = TreeBuilder()
        defer { image.remove() }
        for line in Self.spec.split(separator: "\n") { image.add("app/" + line.trimmingCharacters(in: .whitespaces)) }
        image.apply(steps)
        let written = "written at run time: "
        let ours = try CommandRunner.layerpin(
            ["verify", "--image-root", image.root, "--manifest", context.root + "/.layerpin/manifest.json"])
        #expect(Self.mismatches(ours.stdoutText, prefix: "") == failures.sorted(), "\(ours.stdoutText)")
        #expect(Self.mismatches(ours.stdoutText, prefix: written) == runtime.sorted(), "\(ours.stdoutText)")
        #expect(ours.status == (failures.isEmpty ? 0 : 1))
        let script = context.root + "/.layerpin/verify.sh"
        for (label, executable, prefix, path) in Self.shells {
            let run = try CommandRunner.run(
                executable, prefix + [script, "--build"], environment: ["PATH": path, "LAYERPIN_ROOT": image.root])
            #expect(Self.mismatches(run.stderr, prefix: "layerpin: ") == failures.sorted(), "\(label):\n\(run.stderr)")
            #expect(
                Self.mismatches(run.stderr, prefix: "layerpin: " + written) == runtime.sorted(),
                "\(label):\n\(run.stderr)")
            #expect(run.status == (failures.isEmpty ? 0 : 1), "\(label)")
        }
    }

    static let shells: [(String, String, [String], String)] = [
        ("busybox", "/bin/busybox", ["sh"], busyboxPath),
        ("dash", "/bin/dash", [], "/usr/bin:/bin"),
        ("bash", "/bin/bash", ["--posix"], "/usr/bin:/bin"),
    ]

    /// The build-output lines of a run, as a sorted set of "kind path".
    static func outputMismatches(_ lines: String, prefix: String) -> [String] {
        mismatches(lines, prefix: prefix + "build output changed since the build: ")
    }

    @Test(
        "build outputs: what the build's own steps left is recorded, then checked alike by verify.sh and layerpin verify",
        arguments: [
            // (what the build did after the COPY, what happened after the build, source, output verdicts)
            ("an install into the app directory", ["app/node_modules/a/index.js"], [String](), [String](), [String]()),
            (
                "an output changed", ["app/node_modules/a/index.js"], ["app/node_modules/a/index.js = changed"], [],
                ["content /app/node_modules/a/index.js"]
            ),
            (
                "an output made executable", ["app/dist/main.js"], ["chmod 755 app/dist/main.js"], [],
                ["mode /app/dist/main.js"]
            ),
            ("an output removed", ["app/dist/main.js"], ["rm app/dist/main.js"], [], ["missing /app/dist/main.js"]),
            ("a source file the build changed", ["app/src/app.py = compiled"], [], [], []),
            (
                "... and changed back", ["app/src/app.py = compiled"], ["app/src/app.py = print(1)\\n"], [],
                ["content /app/src/app.py"]
            ),
            ("a source file the build removed", ["rm app/requirements.txt"], [], [], []),
            (
                "... and put back", ["rm app/requirements.txt"], ["app/requirements.txt = six\\n"], [],
                ["extra /app/requirements.txt"]
            ),
            (
                "a source file changed after the build", ["app/dist/main.js"], ["app/src/app.py = print(2)"],
                ["content /app/src/app.py"], []
            ),
            ("a file added after the build", ["app/dist/main.js"], ["app/dist/new.js"], ["extra /app/dist/new.js"], []),
        ])
    func buildOutputs(name: String, build: [String], after: [String], source: [String], outputs: [String]) throws {
        let context = TreeBuilder(Self.spec)
        defer { context.remove() }
        context.file("layerpin.yaml", "workdir: /app\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let script = context.root + "/.layerpin/verify.sh"
        for (label, executable, prefix, path) in Self.shells {
            let image = TreeBuilder("etc/layerpin/")
            defer { image.remove() }
            for line in Self.spec.split(separator: "\n") {
                image.add("app/" + line.trimmingCharacters(in: .whitespaces))
            }
            image.apply(build)
            let environment = ["PATH": path, "LAYERPIN_ROOT": image.root]
            let record = try CommandRunner.run(executable, prefix + [script, "--record"], environment: environment)
            #expect(record.status == 0, "\(name) under \(label): \(record.stderr)")
            image.apply(after)
            let start = try CommandRunner.run(executable, prefix + [script], environment: environment)
            #expect(Self.mismatches(start.stderr, prefix: "layerpin: ") == source.sorted(), "\(name) under \(label)")
            #expect(
                Self.outputMismatches(start.stderr, prefix: "layerpin: ") == outputs.sorted(),
                "\(name) under \(label):\n\(start.stderr)")
            #expect(start.status == (source.isEmpty && outputs.isEmpty ? 0 : 1), "\(name) under \(label)")
            let ours = try CommandRunner.layerpin(
                ["verify", "--image-root", image.root, "--manifest", context.root + "/.layerpin/manifest.json"])
            #expect(Self.mismatches(ours.stdoutText, prefix: "") == source.sorted(), "\(name): \(ours.stdoutText)")
            #expect(
                Self.outputMismatches(ours.stdoutText, prefix: "") == outputs.sorted(), "\(name): \(ours.stdoutText)")
            #expect(ours.status == (source.isEmpty && outputs.isEmpty ? 0 : 1), "\(name)")
        }
    }

    @Test(
        "inside the build, a file recorded before the COPY may stay, but the COPY's own files must match the manifest")
    func recordThenBuild() throws {
        let context = TreeBuilder(Self.spec)
        defer { context.remove() }
        context.file("layerpin.yaml", "workdir: /app\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let script = context.root + "/.layerpin/verify.sh"
        // Before the COPY: an install wrote node_modules, and the base image had an app.py.
        let image = TreeBuilder("etc/layerpin/\napp/node_modules/a.js = x\napp/src/app.py = from the base image\n")
        defer { image.remove() }
        let environment = ["PATH": Self.busyboxPath, "LAYERPIN_ROOT": image.root]
        let before = try CommandRunner.run(
            "/bin/busybox", ["sh", script, "--record-before-copy"], environment: environment)
        #expect(before.status == 0)
        // Only what the manifest does not name: the COPY writes the rest.
        let recorded = try String(contentsOfFile: image.root + "/etc/layerpin/outputs", encoding: .utf8)
        let paths = recorded.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(separator: "\t").last
        }
        #expect(paths.sorted() == ["/app/node_modules", "/app/node_modules/a.js"], "\(recorded)")
        let unchecked = try CommandRunner.run("/bin/busybox", ["sh", script, "--build"], environment: environment)
        #expect(unchecked.status == 1)  // the COPY has not run: its files are missing
        for line in Self.spec.split(separator: "\n") { image.add("app/" + line.trimmingCharacters(in: .whitespaces)) }
        let copied = try CommandRunner.run("/bin/busybox", ["sh", script, "--build"], environment: environment)
        #expect(copied.status == 0, "\(copied.stderr)")
        // The COPY changed a recorded file the manifest does not know: the manifest is stale.
        image.apply(["app/node_modules/a.js = from a stale context"])
        let stale = try CommandRunner.run("/bin/busybox", ["sh", script, "--build"], environment: environment)
        #expect(stale.status == 1)
        #expect(Self.outputMismatches(stale.stderr, prefix: "layerpin: ") == ["content /app/node_modules/a.js"])
        // A record that cannot be written (no directory /etc/layerpin) fails the step, saying why.
        image.apply(["rm etc/layerpin/outputs", "rmdir etc/layerpin", "etc/layerpin = not a directory"])
        let denied = try CommandRunner.run("/bin/busybox", ["sh", script, "--record"], environment: environment)
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("cannot write \(image.root)/etc/layerpin/outputs"), "\(denied.stderr)")
    }

    /// `layerpin verify --image-root` and verify.sh under each shell judge `image` against the plan
    /// of `context` alike: the `expected` mismatches, exit 1 with any and 0 without.
    static func expectAgreement(
        context: TreeBuilder, image: TreeBuilder, expected: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let expected = expected.sorted()
        let ours = try CommandRunner.layerpin(
            ["verify", "--image-root", image.root, "--manifest", context.root + "/.layerpin/manifest.json"])
        #expect(
            Self.mismatches(ours.stdoutText, prefix: "") == expected, "\(ours.stdoutText)",
            sourceLocation: sourceLocation)
        #expect(ours.status == (expected.isEmpty ? 0 : 1), sourceLocation: sourceLocation)
        for (label, verdicts, status) in try Self.shellVerdicts(
            script: context.root + "/.layerpin/verify.sh", image: image.root)
        {
            #expect(verdicts == expected, "\(label)", sourceLocation: sourceLocation)
            #expect(status == (expected.isEmpty ? 0 : 1), "\(label)", sourceLocation: sourceLocation)
        }
    }

    /// Runs verify.sh of `context` against `image` under the three shells; their mismatch lines.
    static func shellVerdicts(script: String, image: String) throws -> [(String, [String], Int32)] {
        try Self.shells.map { label, executable, prefix, path in
            let run = try CommandRunner.run(
                executable, prefix + [script, "--build"], environment: ["PATH": path, "LAYERPIN_ROOT": image])
            return (label, Self.mismatches(run.stderr, prefix: "layerpin: "), run.status)
        }
    }

    @Test(
        "COPY . . with no WORKDIR: only what the context put at / is judged, never the system's files",
        arguments: [
            ([String](), [String]()),
            (["src/new.py"], ["extra /src/new.py"]),
            (["rm app.py"], ["missing /app.py"]),
            (["app.py = tampered"], ["content /app.py"]),
        ])
    func copiedToRoot(steps: [String], expected: [String]) throws {
        let context = TreeBuilder("app.py = print(1)\nsrc/lib.py = x\n")
        defer { context.remove() }
        context.file("Dockerfile", "FROM x\nCOPY . .\n")
        context.file(".dockerignore", "Dockerfile\n.dockerignore\n")
        let plan = try CommandRunner.layerpin(["plan"], in: context.root)
        #expect(plan.status == 0)
        #expect(plan.stderr.contains("the context is copied to /: "))
        let lint = try CommandRunner.layerpin(["lint"], in: context.root)
        #expect(lint.stdoutText.contains("Dockerfile:2: warning LP009 the context is copied to /: "))
        let image = TreeBuilder(
            "app.py = print(1)\nsrc/lib.py = x\netc/passwd = root:x:0:0\nbin/sh = x\nusr/lib/a.so = x\n")
        defer { image.remove() }
        image.apply(steps)
        try Self.expectAgreement(context: context, image: image, expected: expected)
    }

    @Test(
        "a file copied to a path the base image may hold as a directory: the image settles it, alike in every verifier",
        arguments: [
            ("etc/app.conf = conf\\n\nopt/a.txt = a\\n\nopt/b.txt = b\\n", [String]()),
            ("etc = conf\\n\nopt = b\\n", []),
            ("etc -> real\nreal/app.conf = conf\\n\nopt/a.txt = a\\n\nopt/b.txt = b\\n", []),
            ("etc/passwd = x\nopt/a.txt = a\\n\nopt/b.txt = b\\n", ["missing /etc/app.conf"]),
            ("etc/app.conf = tampered\nopt = a\\n", ["content /etc/app.conf", "content /opt"]),
        ])
    func unsettledDestination(image spec: String, expected: [String]) throws {
        let context = TreeBuilder("app.conf = conf\\n\na.txt = a\\n\nb.txt = b\\n")
        defer { context.remove() }
        context.file("Dockerfile", "FROM x\nCOPY app.conf /etc\nCOPY a.txt b.txt /opt\n")
        context.file(".dockerignore", "Dockerfile\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let image = TreeBuilder(spec)
        defer { image.remove() }
        try Self.expectAgreement(context: context, image: image, expected: expected)
    }

    @Test(
        "an octal --chmod sets the copied files' mode, a symbolic one is ignored as the engines ignore it: alike in every verifier",
        arguments: [
            ("srv/app.py* = a\\n\nsrv/run.sh = r\\n\nsrv/lib.py = l\\n", [String]()),
            (
                "srv/app.py = a\\n\nsrv/run.sh* = r\\n\nsrv/lib.py* = l\\n",
                ["mode /srv/app.py", "mode /srv/lib.py", "mode /srv/run.sh"]
            ),
        ])
    func chmodCopies(image spec: String, expected: [String]) throws {
        let context = TreeBuilder("app.py = a\\n\nrun.sh* = r\\n\nlib.py = l\\n")
        defer { context.remove() }
        context.file(
            "Dockerfile",
            "FROM x\nWORKDIR /srv\nCOPY --chmod=755 app.py ./\nCOPY --chmod=0644 run.sh ./\nCOPY --chmod=u+x lib.py ./\n"
        )
        context.file(".dockerignore", "Dockerfile\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let image = TreeBuilder(spec)
        defer { image.remove() }
        try Self.expectAgreement(context: context, image: image, expected: expected)
    }

    @Test("a covered directory with a space and a $ in its name: extras found, nothing split or expanded")
    func spacedDirectory() throws {
        let context = TreeBuilder("app.py = print(1)\n")
        defer { context.remove() }
        context.file("layerpin.yaml", "workdir: \"/my app/$HOME\"\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let image = TreeBuilder("my app/$HOME/app.py = print(1)\nmy app/$HOME/new.py = x\nmy/other = x\n")
        defer { image.remove() }
        let expected = ["extra /my app/$HOME/new.py"]
        try Self.expectAgreement(context: context, image: image, expected: expected)
    }

    @Test("an extra file named like an expected one plus a newline is found by both")
    func newlineTwin() throws {
        let context = TreeBuilder("app.py = print(1)\n")
        defer { context.remove() }
        context.file("layerpin.yaml", "workdir: /app\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let image = TreeBuilder("app/app.py = print(1)\napp/app.py%0A = twin\n")
        defer { image.remove() }
        let ours = try CommandRunner.layerpin(
            ["verify", "--image-root", image.root, "--manifest", context.root + "/.layerpin/manifest.json"])
        #expect(ours.status == 1)
        #expect(ours.stdoutText.hasPrefix("extra /app/app.py"), "\(ours.stdoutText)")
        for (label, verdicts, status) in try Self.shellVerdicts(
            script: context.root + "/.layerpin/verify.sh", image: image.root)
        {
            #expect(status == 1, "\(label)")
            #expect(verdicts == ["extra /app/app.py"], "\(label)")
        }
    }

    @Test("--image-root resolves symlinks inside the given root, never on the host")
    func imageRootSymlinks() throws {
        let context = TreeBuilder("main.py = print(1)\\n\n")
        defer { context.remove() }
        context.file("layerpin.yaml", "workdir: /app\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        #expect(try CommandRunner.layerpin(["plan"], in: context.root).status == 0)
        let manifest = context.root + "/.layerpin/manifest.json"
        // /app is an absolute symlink, as unpacked images have them: it means the image's /srv/app.
        // The host's /srv/app (absent, or anything) must not be what is checked.
        let image = TreeBuilder("srv/app/main.py = print(1)\\n\napp -> /srv/app\n")
        defer { image.remove() }
        let ours = try CommandRunner.layerpin(["verify", "--image-root", image.root, "--manifest", manifest])
        #expect(ours.status == 0, "\(ours.stdoutText)\(ours.stderr)")
        #expect(ours.stdoutText.hasPrefix("ok: commit unknown, 1 entries (1 files) verified"))
        // A link that climbs out with .. stays at the root: it finds nothing there.
        let climbing = TreeBuilder("app -> ../../../../../etc\n")
        defer { climbing.remove() }
        let outside = try CommandRunner.layerpin(["verify", "--image-root", climbing.root, "--manifest", manifest])
        #expect(outside.status == 1)
        #expect(outside.stdoutText == "missing /app/main.py\n")
    }

    @Test("at start-up: the log line names the commit and src digest, then the command runs; warn and off")
    func startUp() throws {
        let context = TreeBuilder(Self.spec)
        defer { context.remove() }
        context.file("layerpin.yaml", "workdir: /app\n")
        context.file(".dockerignore", "layerpin.yaml\n.dockerignore\n")
        _ = try CommandRunner.layerpin(["plan"], in: context.root)
        let image = TreeBuilder()
        defer { image.remove() }
        for line in Self.spec.split(separator: "\n") { image.add("app/" + line.trimmingCharacters(in: .whitespaces)) }
        let script = context.root + "/.layerpin/verify.sh"
        let manifest = try String(contentsOfFile: context.root + "/.layerpin/manifest.json", encoding: .utf8)
        let src = try #require(
            manifest.split(separator: "\"").first {
                $0.hasPrefix("sha256:") && manifest.contains("\"LAYERPIN_SRC_DIGEST\": \"\($0)\"")
            })

        let good = try CommandRunner.run(
            "/bin/busybox", ["sh", script, "echo", "started"],
            environment: ["PATH": Self.busyboxPath, "LAYERPIN_ROOT": image.root])
        #expect(good.status == 0)
        #expect(good.stdoutText == "started\n")
        #expect(good.stderr == "layerpin: commit unknown src \(src) verified 5 files\n")

        image.apply(["app/src/app.py = tampered"])
        let refused = try CommandRunner.run(
            "/bin/dash", [script, "echo", "started"], environment: ["LAYERPIN_ROOT": image.root])
        #expect(refused.status == 1)
        #expect(refused.stdoutText.isEmpty)
        #expect(refused.stderr.contains("layerpin: content /app/src/app.py"))
        let warned = try CommandRunner.run(
            "/bin/dash", [script, "echo", "started"],
            environment: ["LAYERPIN_ROOT": image.root, "LAYERPIN_VERIFY": "warn"])
        #expect(warned.status == 0)
        #expect(warned.stdoutText == "started\n")
        let off = try CommandRunner.run(
            "/bin/dash", [script, "echo", "started"],
            environment: ["LAYERPIN_ROOT": image.root, "LAYERPIN_VERIFY": "off"])
        #expect(off.stdoutText == "started\n")
        #expect(off.stderr.isEmpty)
        let build = try CommandRunner.run(
            "/bin/dash", [script, "--build"], environment: ["LAYERPIN_ROOT": image.root, "LAYERPIN_VERIFY": "off"])
        #expect(build.status == 1)  // --build always enforces
    }
}
