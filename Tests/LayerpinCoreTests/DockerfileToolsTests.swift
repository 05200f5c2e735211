import Foundation
import LayerpinDockerfile
import LayerpinIgnore
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("Lint rules: each fires, and stays quiet on the fixed form")
struct LintRuleTests {
    static let context = DockerfileLinter.Context(
        entries: [Array("requirements.txt".utf8), Array("app.py".utf8)],
        dependencies: [Array("requirements.txt".utf8)], workdir: "/app")

    static func rules(_ text: String, context: DockerfileLinter.Context = context) throws -> [String] {
        DockerfileLinter.lint(try DockerfileParser.parse(text), context: context).map(\.rule)
    }

    static let base = "FROM python:3.11@sha256:" + String(repeating: "a", count: 64) + "\nWORKDIR /app\n"

    @Test(
        arguments: [
            (
                "LP001", "COPY . .\nRUN pip install -r requirements.txt\n",
                "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
            ),
            (
                "LP002", "ARG LAYERPIN_SRC_DIGEST\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
                "COPY requirements.txt .\nRUN pip install -r requirements.txt\nARG LAYERPIN_SRC_DIGEST\n"
            ),
            (
                "LP002", "ARG CACHEBUST=1\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
                "COPY requirements.txt .\nRUN pip install -r requirements.txt\nARG CACHEBUST=1\n"
            ),
            ("LP004", "VOLUME /app\n", "VOLUME /data\n"),
            ("LP007", "ADD https://example.invalid/x.tgz /x.tgz\n", "ADD x.tgz /x/\n"),
        ])
    func fires(rule: String, bad: String, good: String) throws {
        #expect(try Self.rules(Self.base + bad).contains(rule), "\(rule) should fire")
        #expect(try !Self.rules(Self.base + good).contains(rule), "\(rule) should stay quiet")
    }

    @Test(
        "LP004 compares paths by component: what the context puts under the volume, or the app below it",
        arguments: [
            // (Dockerfile after FROM, context entries, fires)
            ("WORKDIR /\nCOPY . .\nVOLUME /data\n", ["app.py"], false),
            ("WORKDIR /\nCOPY . .\nVOLUME /data\n", ["app.py", "data/seed.db"], true),
            ("COPY . /srv\nVOLUME /srv\n", ["app.py"], true),
            ("COPY . /srv\nVOLUME /srv2\n", ["app.py"], false),
            ("WORKDIR /app\nCOPY . .\nVOLUME /\n", ["app.py"], true),
            ("WORKDIR /app\nCOPY . .\nVOLUME /app/logs\n", ["app.py"], false),
            ("WORKDIR /app\nCOPY . .\nVOLUME [\"/app/static\"]\n", ["app.py", "static/site.css"], true),
            ("COPY app.py /usr/local/bin/app\nVOLUME /usr/local/bin\n", ["app.py"], true),
        ])
    func volumeByComponent(dockerfile: String, entries: [String], fires: Bool) throws {
        let context = DockerfileLinter.Context(
            entries: entries.map { Array($0.utf8) }, dependencies: [], workdir: nil)
        let text = "FROM python:3.11@sha256:" + String(repeating: "a", count: 64) + "\n" + dockerfile
        #expect(try Self.rules(text, context: context).contains("LP004") == fires, "\(dockerfile)")
    }

    @Test(
        "LP001 looks at every stage the last one is built from, at ADD too, and is not fooled by a tool upgrade",
        arguments: [
            (
                "FROM python:3.11 AS builder\nWORKDIR /code\nCOPY . /code\nRUN pip install -r requirements.txt\n"
                    + "FROM builder AS dev-envs\nRUN apk add git\n", 3, true
            ),
            ("FROM python:3.11\nWORKDIR /app\nADD . /app\nRUN pip install -r requirements.txt\n", 3, true),
            (
                "FROM python:3.11\nRUN pip install --upgrade pip\nWORKDIR /app\nCOPY requirements.txt .\n"
                    + "RUN pip install -r requirements.txt\nCOPY . .\n", 0, false
            ),
            (
                "FROM python:3.11 AS unused\nCOPY . /x\nRUN pip install -r requirements.txt\n"
                    + "FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n", 0,
                false
            ),
            ("FROM python:3.11\nADD https://example.invalid/x.tgz /x.tgz\nRUN pip install -r /x.tgz\n", 0, false),
        ])
    func sourceBeforeInstall(dockerfile: String, line: Int, fires: Bool) throws {
        let findings = DockerfileLinter.lint(try DockerfileParser.parse(dockerfile), context: Self.context)
        let found = findings.first { $0.rule == "LP001" }
        #expect((found != nil) == fires, "\(dockerfile)")
        if fires { #expect(found?.line == line) }
    }

    @Test("LP005 points at the COPY that takes the whole context, not at the last line")
    func junkLine() throws {
        let context = DockerfileLinter.Context(
            entries: [Array("app.py".utf8), Array("node_modules/x/index.js".utf8)], dependencies: [],
            workdir: "/app")
        let findings = DockerfileLinter.lint(
            try DockerfileParser.parse(Self.base + "COPY . .\nRUN true\nCMD [\"x\"]\n"), context: context)
        #expect(findings.first { $0.rule == "LP005" }?.line == 3)
    }

    @Test("LP003: a clock inside the Dockerfile reaches no cache key, so the Dockerfile alone never fires it")
    func clockInDockerfile() throws {
        for line in ["RUN echo $(date +%s) > /stamp\n", "ARG CACHEBUST=$(date)\n", "ENV BUILT=`date`\n"] {
            #expect(try !Self.rules(Self.base + line).contains("LP003"), "\(line)")
        }
    }

    @Test(
        "LP003: a build arg the Dockerfile declares, fed by the clock where a shell runs docker build",
        arguments: [
            ("docker build --build-arg CACHEBUST=$(date +%s) .", true),
            ("\tdocker build --build-arg \"CACHEBUST=`date`\" -t app .", true),
            ("docker build --build-arg=CACHEBUST=${EPOCHSECONDS} .", true),
            ("docker build --build-arg OTHER=$(date +%s) .", false),
            ("docker build --build-arg CACHEBUST=1 .", false),
            ("echo $(date) --no-build-arg", false),
        ])
    func clockFedArgument(line: String, fires: Bool) {
        let findings = DockerfileLinter.clockFedArguments(
            in: [(name: "Makefile", text: "build:\n" + line + "\n")], declared: ["CACHEBUST"])
        #expect(findings.count == (fires ? 1 : 0), "\(line)")
        if fires {
            #expect(findings.first?.file == "Makefile" && findings.first?.line == 2)
            #expect(findings.first?.message.contains("CACHEBUST") == true)
        }
    }

    @Test(
        "LP011, LP012, LP013: an install from the whole source, a final stage without a shell, COPY --from an image by tag",
        arguments: [
            ("FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install .\n", "LP011", 4),
            ("FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", nil, 0),
            (
                "FROM golang:1.22 AS build\nCOPY . /src\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
                "LP012", 4
            ),
            ("FROM gcr.io/distroless/static\nCOPY app /app\n", "LP012", 1),
            ("FROM alpine:3.20\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\nCOPY app /app\n", "LP013", 2),
            ("FROM alpine:3.20 AS base\nFROM alpine:3.20\nCOPY --from=base /etc /etc\n", nil, 0),
            (
                "FROM alpine:3.20\nCOPY --from=nginx@sha256:" + String(repeating: "c", count: 64) + " /etc/nginx /x\n",
                nil, 0
            ),
        ])
    func newFindings(dockerfile: String, rule: String?, line: Int) throws {
        let findings = DockerfileLinter.lint(try DockerfileParser.parse(dockerfile), context: Self.context)
        for id in ["LP011", "LP012", "LP013"] where id != rule {
            #expect(!findings.contains { $0.rule == id }, "\(id) in \(dockerfile)")
        }
        if let rule {
            #expect(findings.first { $0.rule == rule }?.line == line, "\(rule) in \(dockerfile)")
        }
    }

    @Test("LP010: a .dockerignore that keeps out the manifest the Dockerfile copies is an error at that COPY")
    func excludedManifest() throws {
        let file = try DockerfileParser.parse(
            "FROM python:3.11\nCOPY . .\nCOPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/\n")
        let excluding = IgnoreMatcher(patterns: [IgnorePattern(glob: Array(".layerpin".utf8))!], generation: .current)
        let findings = DockerfileLinter.excludedPlanFiles(file, ignore: excluding)
        #expect(findings.map(\.rule) == ["LP010"])
        #expect(findings.first?.line == 3 && findings.first?.severity == .error)
        let keepingIt = IgnoreMatcher(patterns: [IgnorePattern(glob: Array(".git".utf8))!], generation: .current)
        #expect(DockerfileLinter.excludedPlanFiles(file, ignore: keepingIt).isEmpty)
    }

    @Test("LP007: an ADD of a URL pinned by --checksum is pinned content, said as info")
    func addChecksum() throws {
        let pinned = try DockerfileLinter.lint(
            DockerfileParser.parse(
                Self.base + "ADD --checksum=sha256:" + String(repeating: "b", count: 64)
                    + " https://example.invalid/x.tgz /x.tgz\n"),
            context: Self.context)
        let finding = try #require(pinned.first { $0.rule == "LP007" })
        #expect(finding.severity == .info)
        #expect(finding.message.contains("pinned by --checksum"))
        let unpinned = DockerfileLinter.lint(
            try DockerfileParser.parse(Self.base + "ADD https://example.invalid/x.tgz /x.tgz\n"), context: Self.context)
        #expect(unpinned.first { $0.rule == "LP007" }?.severity == .warning)
    }

    @Test("LP008 (info): a base image by tag only; by digest is fine")
    func baseTag() throws {
        #expect(try Self.rules("FROM python:3.11\n") == ["LP008"])
        #expect(try Self.rules(Self.base).isEmpty)
        #expect(try Self.rules("FROM golang AS build\nFROM build\n") == ["LP008"])  // a stage name is not an image
    }

    @Test("LP005: .git, __pycache__ or node_modules in the context (the stat cache never is: it lives outside)")
    func junk() throws {
        for junk in [".git", "src/__pycache__", "web/node_modules"] {
            let context = DockerfileLinter.Context(
                entries: [Array(junk.utf8), Array("app.py".utf8)], dependencies: [], workdir: "/app")
            #expect(try Self.rules(Self.base, context: context).contains("LP005"), "\(junk)")
        }
        #expect(try !Self.rules(Self.base).contains("LP005"))
    }

    @Test("LP006 (info): once, every context file that reaches no layer, by directory; never the build's own files")
    func unreached() throws {
        let entries = [
            "app.py", "README.md", "docs/a.md", "docs/b.md", ".dockerignore", "Dockerfile", "layerpin.yaml",
            ".layerpin/manifest.json", ".layerpin/verify.sh", "lib/util.py",
        ]
        let context = DockerfileLinter.Context(
            entries: entries.map { Array($0.utf8) }, dependencies: [], workdir: "/app")
        let findings = DockerfileLinter.lint(
            try DockerfileParser.parse(Self.base + "COPY app.py .\nCOPY lib/ ./lib/\n"), context: context)
        let unreached = findings.filter { $0.rule == "LP006" }
        #expect(unreached.count == 1)
        #expect(unreached.first?.severity == .info)
        #expect(unreached.first?.message.hasPrefix("3 context file(s) reach no layer: README.md, docs/ (2);") == true)
        #expect(try !Self.rules(Self.base + "COPY . .\n", context: context).contains("LP006"))
        // Nothing copied from the context at all: nothing to say about what it copies.
        #expect(try !Self.rules(Self.base, context: context).contains("LP006"))
    }
}

@Suite("Rendering and pinning Dockerfiles")
struct RenderPinTests {
    @Test("the rendered Dockerfile keeps the install above the source ARGs and verifies right after the COPY")
    func render() throws {
        let tree = TreeBuilder(#"requirements.txt = six\n"# + "\n" + #"src/main.py = print(1)\n"# + "\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "base: python:3.12-slim\ncommand: [python, src/main.py]\n")
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        let text = DockerfileRenderer.render(try fingerprinter.fingerprint())
        let file = try DockerfileParser.parse(text)
        let keywords = file.instructions.map { $0.keyword + " " + ($0.words.first ?? "") }
        let install = try #require(keywords.firstIndex { $0.hasPrefix("RUN --") || $0 == "RUN pip" })
        #expect(keywords.firstIndex(of: "ARG LAYERPIN_DEPS_DIGEST")! < install)
        #expect(keywords.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! > install)
        #expect(keywords.firstIndex(of: "ARG LAYERPIN_COMMIT")! > install)
        // What the build put under /app before the COPY is recorded, the check follows it.
        let copy = try #require(keywords.firstIndex(of: "COPY ."))
        #expect(
            keywords[copy - 1] == "RUN /etc/layerpin/verify.sh"
                && file.instructions[copy - 1].words.last == "--record-before-copy")
        #expect(
            keywords[copy + 1] == "RUN /etc/layerpin/verify.sh" && file.instructions[copy + 1].words.last == "--build")
        #expect(file.instructions[install].flag("mount") == "type=cache,target=/root/.cache/pip")
        #expect(!text.contains("# syntax"))
        #expect(file.instructions.last?.arguments == .exec(["python", "src/main.py"]))
        #expect(file.instructions.first?.words == ["python:3.12-slim"])
        assertSnapshot(text, named: "rendered-python.Dockerfile")
    }

    @Test(
        "layerpin.yaml verify: sets LAYERPIN_VERIFY for the start-up check, rendered and pinned alike",
        arguments: [("warn", "ENV LAYERPIN_VERIFY=warn"), ("off", "ENV LAYERPIN_VERIFY=off"), ("enforce", nil)])
    func verifyMode(mode: String, line: String?) throws {
        let tree = TreeBuilder(#"requirements.txt = six\n"# + "\n" + #"app.py = print(1)\n"# + "\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "verify: \(mode)\n")
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        let fingerprint = try fingerprinter.fingerprint()
        let rendered = DockerfileRenderer.render(fingerprint).split(separator: "\n").map(String.init)
        let pinned = try DockerfilePinner.pin(
            "FROM python:3.11\nCOPY . .\nCMD [\"python\", \"app.py\"]\n", dependencyFiles: [], groups: ["src"],
            verifyMode: fingerprint.config.verify
        ).split(separator: "\n").map(String.init)
        for lines in [rendered, pinned] {
            let found = lines.filter { $0.hasPrefix("ENV LAYERPIN_VERIFY") }
            #expect(found == (line.map { [$0] } ?? []))
            // After the in-build check, so that check always enforces.
            if let line {
                #expect(lines.firstIndex(of: line)! > lines.firstIndex { $0.contains("verify.sh\", \"--build") }!)
            }
        }
    }

    @Test("pinning splits COPY . . before the install, keeps every other line, and is idempotent")
    func pin() throws {
        let original = """
            FROM python:3.11
            # our service
            WORKDIR /srv
            COPY . .
            RUN pip install -r requirements.txt  # deps
            EXPOSE 8000
            CMD ["python", "app.py"]

            """
        let pinned = try DockerfilePinner.pin(original, dependencyFiles: ["requirements.txt"], groups: ["deps", "src"])
        assertSnapshot(pinned, named: "pinned-split.Dockerfile")
        let lines = pinned.split(separator: "\n").map(String.init)
        for kept in [
            "FROM python:3.11", "# our service", "WORKDIR /srv", "EXPOSE 8000", "CMD [\"python\", \"app.py\"]",
        ] {
            #expect(lines.contains(kept), "\(kept)")
        }
        #expect(lines.firstIndex(of: "COPY requirements.txt ./")! < lines.firstIndex { $0.hasPrefix("RUN pip") }!)
        #expect(lines.firstIndex(of: "COPY . .")! > lines.firstIndex { $0.hasPrefix("RUN pip") }!)
        #expect(
            try DockerfilePinner.pin(pinned, dependencyFiles: ["requirements.txt"], groups: ["deps", "src"]) == pinned)
    }

    /// The lines of a pinned file, for the shape tests below.
    static func pinnedLines(_ text: String, deps: [String] = ["requirements.txt"], target: String? = nil) throws
        -> [String]
    {
        try DockerfilePinner.pin(text, dependencyFiles: deps, groups: ["deps", "src"], target: target)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test("with no dependency files to copy first, COPY . . before the install is not split")
    func noSplitWithoutDependencyFiles() throws {
        let original =
            "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"main.py\"]\n"
        let lines = try Self.pinnedLines(original, deps: [])
        let copy = try #require(lines.firstIndex(of: "COPY . ."))
        #expect(copy < (try #require(lines.firstIndex(of: "RUN pip install -r requirements.txt"))))
        #expect(lines.filter { $0.hasPrefix("COPY ") && !$0.contains(".layerpin") } == ["COPY . ."])
        // With them, it is split.
        let split = try Self.pinnedLines(original)
        #expect(
            split.firstIndex(of: "COPY requirements.txt ./")! < split.firstIndex(
                of: "RUN pip install -r requirements.txt")!)
    }

    @Test("the in-build check follows the last application copy; a step between the copies is recorded first")
    func checkAfterLastCopy() throws {
        let original = """
            FROM python:3.12-slim
            WORKDIR /app
            COPY requirements.txt .
            RUN pip install -r requirements.txt
            COPY app.conf /etc
            RUN mkdir -p /app/cache
            COPY . .
            CMD ["python", "main.py"]

            """
        let lines = try Self.pinnedLines(original)
        let source = try #require(lines.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST"))
        #expect(
            lines[source + 3...source + 5] == [
                "COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/",
                #"RUN ["/etc/layerpin/verify.sh", "--record-before-copy"]"#, "COPY app.conf /etc",
            ])
        let copyAll = try #require(lines.firstIndex(of: "COPY . ."))
        #expect(lines[copyAll + 1] == #"RUN ["/etc/layerpin/verify.sh", "--record", "--build"]"#)
        #expect(!lines.contains(#"RUN ["/etc/layerpin/verify.sh", "--build"]"#))
        // Without a step between, the check alone.
        let plain = try Self.pinnedLines(original.replacingOccurrences(of: "RUN mkdir -p /app/cache\n", with: ""))
        #expect(
            plain[try #require(plain.firstIndex(of: "COPY . .")) + 1] == #"RUN ["/etc/layerpin/verify.sh", "--build"]"#)
    }

    @Test("a target stage is pinned, the stage after it stays byte-identical (docker/awesome-compose's Python shape)")
    func targetStage() throws {
        let original = """
            FROM python:3.10-alpine AS builder
            WORKDIR /code
            COPY requirements.txt /code
            RUN pip3 install -r requirements.txt
            COPY . /code
            CMD ["python3", "app.py"]

            FROM builder AS dev-envs
            RUN apk update && apk add git
            CMD ["python3", "app.py"]

            """
        for target in ["builder", "dev-envs", nil] {
            let lines = try Self.pinnedLines(original, target: target)
            let devEnvs = lines.firstIndex(of: "FROM builder AS dev-envs")!
            // The pin lands in builder, whatever the target: dev-envs copies nothing from the context.
            #expect(lines.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! < devEnvs, "\(target ?? "last")")
            #expect(lines.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! > lines.firstIndex { $0.hasPrefix("RUN pip3") }!)
        }
        // Built as dev-envs, the image runs dev-envs' CMD through the verifier it inherits.
        let devEnvs = try Self.pinnedLines(original, target: "dev-envs")
        let tail = Array(devEnvs[devEnvs.firstIndex(of: "FROM builder AS dev-envs")!...])
        #expect(
            tail == [
                "FROM builder AS dev-envs", "RUN apk update && apk add git",
                // What that step wrote under /code is recorded as the build's own output.
                "RUN [\"/etc/layerpin/verify.sh\", \"--record\"]",
                "ENTRYPOINT [\"/etc/layerpin/verify.sh\"]", "CMD [\"python3\", \"app.py\"]", "",
            ])
        // Built as builder, dev-envs is untouched.
        let builder = try Self.pinnedLines(original, target: "builder")
        #expect(
            Array(builder[builder.firstIndex(of: "FROM builder AS dev-envs")!...]) == [
                "FROM builder AS dev-envs", "RUN apk update && apk add git", "CMD [\"python3\", \"app.py\"]", "",
            ])
    }

    @Test(
        "the dependency step is the install from what was copied, never a tool's install before it",
        arguments: [
            (
                "RUN pip install --upgrade pip\nCOPY requirements.txt .\nRUN pip install -r requirements.txt",
                "RUN pip install -r requirements.txt"
            ),
            ("RUN npm install -g nodemon\nCOPY package.json .\nRUN npm ci", "RUN npm ci"),
            (
                "COPY requirements.txt .\nRUN pip install -U pip setuptools wheel\nRUN pip install -r requirements.txt",
                "RUN pip install -r requirements.txt"
            ),
            (
                "COPY requirements.txt .\nRUN pip install --upgrade pip && pip install -r requirements.txt",
                "RUN pip install --upgrade pip && pip install -r requirements.txt"
            ),
        ])
    func dependencyStep(body: String, install: String) throws {
        let lines = try Self.pinnedLines(
            "FROM python:3.11\nWORKDIR /app\n\(body)\nCOPY . .\nCMD [\"python\", \"app.py\"]\n")
        let installLine = lines.firstIndex(of: install)!
        // The source digest comes after the install: a code change never reinstalls dependencies.
        #expect(lines.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! > installLine)
        #expect(lines.firstIndex(of: "ARG LAYERPIN_DEPS_DIGEST")! < installLine)
        #expect(lines.firstIndex { $0.contains("verify.sh\", \"--build") }! > lines.firstIndex(of: "COPY . .")!)
    }

    @Test("an install that builds from the whole source keeps its COPY . . whole; a split keeps the COPY's flags")
    func wholeSourceAndFlags() throws {
        let whole = try Self.pinnedLines("FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install .\nCMD [\"app\"]\n")
        #expect(whole.filter { $0.hasPrefix("COPY ") && !$0.contains(".layerpin") } == ["COPY . ."])
        #expect(whole.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! < whole.firstIndex(of: "COPY . .")!)
        let flagged = try Self.pinnedLines(
            "FROM python:3.11\nWORKDIR /app\nCOPY --chown=app:app --chmod=644 . .\nRUN pip install -r requirements.txt\n"
        )
        #expect(flagged.contains("COPY --chown=app:app --chmod=644 requirements.txt ./"))
        #expect(flagged.contains("COPY --chown=app:app --chmod=644 . ."))
    }

    @Test(
        "the start-up check wraps the user's own program",
        arguments: [
            (
                "ENTRYPOINT [\"python3\"]\nCMD [\"app.py\"]",
                ["ENTRYPOINT [\"/etc/layerpin/verify.sh\", \"python3\"]", "CMD [\"app.py\"]"]
            ),
            (
                "ENTRYPOINT python3 app.py --port 80",
                ["ENTRYPOINT [\"/etc/layerpin/verify.sh\", \"/bin/sh\", \"-c\", \"python3 app.py --port 80\"]"]
            ),
            (
                "CMD [\"python3\", \"app.py\"]",
                ["ENTRYPOINT [\"/etc/layerpin/verify.sh\"]", "CMD [\"python3\", \"app.py\"]"]
            ),
            ("EXPOSE 80", ["EXPOSE 80"]),  // neither: the base image's entry point is kept, nothing added
        ])
    func entrypoint(tail: String, expected: [String]) throws {
        let lines = try Self.pinnedLines("FROM python:3.11\nWORKDIR /app\nCOPY . .\n\(tail)\n")
        let after = lines.drop { !$0.hasPrefix("LABEL ") }.dropFirst().filter { !$0.isEmpty }
        #expect(Array(after) == expected)
    }

    @Test(
        "COPY --from traces context files to where the final stage puts them; a built binary maps nothing",
        arguments: [
            // context src/ → /src/src in build → /app/src in the final stage
            (
                "FROM x AS build\nWORKDIR /src\nCOPY . .\nFROM y\nCOPY --from=build /src/src /app/src\n",
                ["src -> /app/src"]
            ),
            (
                "FROM x AS build\nCOPY src /build/src\nCOPY app.py /build/\nFROM y\nWORKDIR /app\nCOPY --from=build /build .\n",
                ["app.py -> /app/app.py", "src -> /app/src"]
            ),
            (
                "FROM x AS build\nCOPY . /go/src\nRUN go build -o /out/app\nFROM scratch\nCOPY --from=build /out/app /app\n",
                []
            ),
        ])
    func copyFromTracing(text: String, expected: [String]) {
        let mappings = ImageLayout.mappings(of: text, directories: [Array("src".utf8)])
        #expect(mappings != nil)
        #expect(
            (mappings ?? []).map { "\(String(decoding: $0.context, as: UTF8.self)) -> \($0.image)" }.sorted()
                == expected)
    }

    @Test("a compile from the copied source: the last copy is the application's, the one before it the dependencies'")
    func compileShape() throws {
        let lines = try Self.pinnedLines(
            "FROM rust:1.64 AS build\nCOPY Cargo.toml .\nCOPY src ./src\nRUN cargo build --release\nFROM scratch\nCOPY --from=build /app /app\n",
            deps: ["Cargo.toml"])
        #expect(lines.firstIndex(of: "ARG LAYERPIN_DEPS_DIGEST")! < lines.firstIndex(of: "COPY Cargo.toml .")!)
        #expect(lines.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! < lines.firstIndex(of: "COPY src ./src")!)
        #expect(lines.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! > lines.firstIndex(of: "COPY Cargo.toml .")!)
        #expect(lines.contains("COPY --from=build /etc/layerpin /etc/layerpin"))
    }

    @Test("a stage without a shell (FROM scratch, distroless) gets the manifest and labels, never a RUN or a wrapper")
    func noShell() throws {
        for base in ["scratch", "gcr.io/distroless/static-debian12"] {
            let lines = try Self.pinnedLines(
                "FROM \(base)\nCOPY app /app\nENTRYPOINT [\"/app\"]\n", deps: [])
            #expect(lines.contains("COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/"), "\(base)")
            #expect(!lines.contains { $0.hasPrefix("RUN ") }, "\(base)")
            #expect(lines.contains { $0.hasPrefix("LABEL ") }, "\(base)")
            #expect(lines.contains("ENTRYPOINT [\"/app\"]"), "\(base)")
        }
    }

    @Test(
        "a final stage without a shell copying --from a build stage: the manifest is made and checked there, then carried"
    )
    func copyFromBuildStage() throws {
        let lines = try Self.pinnedLines(
            "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod .\nRUN go mod download\nCOPY . .\nRUN go build -o /app\n\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
            deps: ["go.mod"])
        let final = lines.firstIndex(of: "FROM scratch")!
        #expect(lines.firstIndex(of: "ARG LAYERPIN_SRC_DIGEST")! < final)
        // The final stage has no shell: the build stage, where the files were copied, checks them
        // against its own layout (the manifest's stageLayout), right after the copy.
        // What the base image already has there is recorded first, apart from the final image's record.
        let copy = try #require(lines.firstIndex(of: "COPY . ."))
        #expect(
            Array(lines[(copy - 2)...(copy + 1)]) == [
                "COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/",
                #"RUN ["/etc/layerpin/verify.sh", "--stage", "--record-before-copy"]"#, "COPY . .",
                #"RUN ["/etc/layerpin/verify.sh", "--stage", "--build"]"#,
            ])
        #expect(lines[..<final].filter { $0.hasPrefix("RUN [\"/etc/layerpin") }.count == 2)
        #expect(
            Array(lines[final...]) == [
                "FROM scratch", "COPY --from=build /app /app", "ARG LAYERPIN_SRC_DIGEST", "ARG LAYERPIN_COMMIT",
                "ARG LAYERPIN_CREATED", "ARG LAYERPIN_DEPS_DIGEST", "COPY --from=build /etc/layerpin /etc/layerpin",
                "LABEL " + ImageNames.dockerfileLabels(groups: ["deps", "src"]).joined(separator: " "),
                "ENTRYPOINT [\"/app\"]", "",
            ])
    }

    @Test("pinning a file that already copies dependencies first only adds the ARGs and the verification")
    func pinOrdered() throws {
        let original =
            "FROM node:20\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY src ./src\nCMD [\"node\", \"src/index.js\"]\n"
        let pinned = try DockerfilePinner.pin(original, dependencyFiles: ["package.json"], groups: ["deps", "src"])
        #expect(
            pinned == """
                FROM node:20
                ARG LAYERPIN_DEPS_DIGEST
                COPY package.json package-lock.json ./
                RUN npm ci
                ARG LAYERPIN_SRC_DIGEST
                ARG LAYERPIN_COMMIT
                ARG LAYERPIN_CREATED
                COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
                RUN ["/etc/layerpin/verify.sh", "--record-before-copy"]
                COPY src ./src
                RUN ["/etc/layerpin/verify.sh", "--build"]
                LABEL org.opencontainers.image.revision=$LAYERPIN_COMMIT org.opencontainers.image.created=$LAYERPIN_CREATED io.layerpin.digest.deps=$LAYERPIN_DEPS_DIGEST io.layerpin.digest.src=$LAYERPIN_SRC_DIGEST
                ENTRYPOINT ["/etc/layerpin/verify.sh"]
                CMD ["node", "src/index.js"]

                """)
    }

    @Test(
        "init finds the entry point",
        arguments: [
            ("main.py\nrequirements.txt\n", ["python", "main.py"]),
            ("src/app.py\nrequirements.txt\n", ["python", "src/app.py"]),
            ("src/pkg/__main__.py\nrequirements.txt\n", ["python", "src/pkg/__main__.py"]),
            (#"pyproject.toml = [project]\nname = 'x'\n[project.scripts]\nserve = 'x.cli:main'\n"# + "\n", ["serve"]),
            ("package.json = {\"main\": \"server.js\"}\n", ["node", "server.js"]),
            ("package.json = {\"scripts\": {\"start\": \"node a.js\"}}\n", ["npm", "start"]),
            ("go.mod\nmain.go\n", ["/usr/local/bin/app"]),
        ])
    func entryPoint(spec: String, command: [String]) throws {
        let tree = TreeBuilder(spec)
        defer { tree.remove() }
        let report = try Initializer(root: tree.root).run()
        #expect(report.command == command)
        #expect(report.written.sorted() == [".dockerignore", "Dockerfile", "layerpin.yaml"])
        let again = try Initializer(root: tree.root).run()
        #expect(again.written.isEmpty)
        #expect(again.kept.sorted() == [".dockerignore", "Dockerfile", "layerpin.yaml"])
        #expect(try Initializer(root: tree.root, force: true).run().written.count == 3)
    }
}

@Suite("The image layout from COPY lines")
struct ImageLayoutTests {
    static let directories: Set<[UInt8]> = [Array("src".utf8), Array("requirements".utf8)]

    static func layout(_ text: String) -> [String]? {
        ImageLayout.mappings(of: text, directories: directories)?.map {
            String(decoding: $0.context, as: UTF8.self) + " -> " + $0.image
        }
    }

    @Test("the rendered form: files into the workdir, then the context root")
    func rendered() {
        #expect(
            Self.layout(
                "FROM x\nWORKDIR /app\nCOPY requirements.txt constraints.txt ./\nCOPY requirements/base.txt ./requirements/\nCOPY . ./\n"
            )
                == [
                    "requirements/base.txt -> /app/requirements/base.txt", "requirements.txt -> /app/requirements.txt",
                    "constraints.txt -> /app/constraints.txt", " -> /app",
                ])
    }

    @Test("directories, renamed files, the last stage only; --from, URLs and wildcards map nothing")
    func forms() {
        #expect(
            Self.layout(
                "FROM a AS b\nCOPY . /ignored\nFROM c\nCOPY src/ /srv/code/\nCOPY app.py /usr/local/bin/app\nCOPY --from=b /x /y\nADD https://x.invalid/a /a\nCOPY *.txt /t/\n"
            )
                == ["app.py -> /usr/local/bin/app", "src -> /srv/code"])
        #expect(Self.layout("FROM scratch\nCMD [\"x\"]\n") == nil)
    }

    @Test(
        "with a target, the layout is that stage's; a stage built FROM it holds its files too; an unknown one maps nothing"
    )
    func targetLayout() {
        let text = """
            FROM python:3.10-alpine AS Builder
            WORKDIR /code
            COPY . /code
            FROM builder AS dev-envs
            WORKDIR /other
            COPY . /elsewhere/
            """
        #expect(
            ImageLayout.mappings(of: text, directories: [], target: "builder") == [.init(context: [], image: "/code")])
        // dev-envs is built FROM builder: it holds the context at /code, and its own copy at /elsewhere.
        #expect(
            ImageLayout.mappings(of: text, directories: [], target: nil)?.map(\.image).sorted() == [
                "/code", "/elsewhere",
            ])
        #expect(ImageLayout.mappings(of: text, directories: [], target: "missing") == nil)
    }

    @Test("the manifest takes its layout from the Dockerfile; a loose file is verified alone")
    func manifest() throws {
        let tree = TreeBuilder("app.py = print(1)\nsrc/lib.py = x\n")
        defer { tree.remove() }
        tree.file("Dockerfile", "FROM x\nCOPY src/ /srv/lib/\nCOPY app.py /usr/local/bin/app\n")
        tree.file(".dockerignore", "Dockerfile\n.dockerignore\n")
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        let manifest = Planner.manifest(of: try fingerprinter.fingerprint(), git: nil, root: tree.root)
        #expect(manifest.coveredDirectories == ["/srv/lib"])
        #expect(manifest.looseFiles == ["/usr/local/bin/app"])
        let image = TreeBuilder("srv/lib/lib.py = x\nusr/local/bin/app = print(1)\n")
        defer { image.remove() }
        #expect(try Verifier.verify(imageRoot: image.root, against: manifest).mismatches.isEmpty)
        image.file("usr/local/bin/app", "print(2)")
        image.file("srv/lib/extra.py", "")
        #expect(
            try Verifier.verify(imageRoot: image.root, against: manifest).mismatches.map {
                "\($0.kind.rawValue) \(RawPath.display($0.path))"
            }
                == ["extra /srv/lib/extra.py", "content /usr/local/bin/app"])
    }
}
