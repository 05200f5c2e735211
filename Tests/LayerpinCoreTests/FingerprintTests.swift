import LayerpinDigest
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("Group digests")
struct FingerprintTests {
    private func digests(_ tree: TreeBuilder, config: String? = nil) throws -> [String: String] {
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        let fingerprint = try fingerprinter.fingerprint()
        var result: [String: String] = [:]
        for group in fingerprint.groups + [fingerprint.context] { result[group.name] = group.digest.description }
        return result
    }

    private func groupPaths(_ tree: TreeBuilder) throws -> [String: [String]] {
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        var result: [String: [String]] = [:]
        for group in try fingerprinter.fingerprint().groups {
            result[group.name] = group.entries.map { RawPath.display($0.path) }
        }
        return result
    }

    /// Pinned digests of small trees: any change to the walk, the hashing or the listing format
    /// fails here. The same trees are the test vectors of docs/digest-spec.md.
    /// The test vectors of docs/digest-spec.md (v1 and v2 re-derived there with coreutils).
    static let vectors: [(spec: String, context: String)] = [
        (#"hello.txt = hello\n"#, "sha256:9840069e447922532e0b46801268b41822741ed7d5b8459229702c9de364491c"),
        (
            #"""
            hello.txt = hello\n
            bin/run* = #!/bin/sh\necho run\n
            empty/
            """#,
            "sha256:3bba6571c3645a57f05cf1cc3b1ba3aede85a16c798a9139edeae3f6a6d0a503"
        ),
        (
            #"""
            hello.txt = hello\n
            link -> hello.txt
            """#,
            "sha256:f56e51b7d5e8becd38a0a0294adcc7bb4ef5e1e76aff046c45eeb8ba738716de"
        ),
        (
            #"""
            caf%C3%A9 = x
            a b = y
            nl%0Aname = z
            bad%FF = w
            """#,
            "sha256:0f851810090d4a6afc2dfc83f412acaf9ecd724cba5069b3c39ac386aa065d8e"
        ),
    ]

    /// Pinned digests: any change to the walk, the hashing or the listing format fails here.
    @Test("pinned digests of the spec's test vectors", arguments: vectors)
    func pinned(spec: String, context: String) throws {
        let tree = TreeBuilder(spec)
        defer { tree.remove() }
        #expect(try digests(tree)["context"] == context)
        #expect(try digests(tree)["src"] == context)
    }

    @Test("python: deps are the manifests and lockfiles, with -r/-c includes followed; src is the rest")
    func pythonGroups() throws {
        let tree = TreeBuilder(
            #"""
            requirements.txt = -r reqs/base.txt\n--constraint=constraints.txt
            reqs/base.txt = flask==3.0\n-c ../pins.txt
            pins.txt = flask==3.0
            constraints.txt = x
            poetry.lock = lock
            app/main.py = print(1)
            README.md = hi
            """#)
        defer { tree.remove() }
        let groups = try groupPaths(tree)
        #expect(groups["deps"] == ["constraints.txt", "pins.txt", "poetry.lock", "reqs/base.txt", "requirements.txt"])
        #expect(groups["src"] == ["README.md", "app", "app/main.py", "reqs"])
    }

    /// The groups follow the Dockerfile: what its built stages copy, and nothing else.
    static let dockerfileGroups: [(name: String, dockerfile: String, config: String?, deps: [String], src: [String])] =
        [
            (
                "a subset copied: README.md and the Dockerfile are in no group",
                "FROM python\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY src/ ./src/\n",
                nil, ["requirements.txt"], ["src", "src/app.py"]
            ),
            (
                "COPY . . takes everything",
                "FROM python\nCOPY . /app\n", nil, ["requirements.txt"],
                ["Dockerfile", "README.md", "app.tar.gz", "src", "src/app.py"]
            ),
            (
                "a build stage's copy counts though only its product reaches the final image",
                "FROM golang AS build\nCOPY src ./src\nRUN make\nFROM scratch\nCOPY --from=build /app /app\n", nil, [],
                ["src", "src/app.py"]
            ),
            (
                "an unpacked archive counts, and so does a copy by an ONBUILD trigger",
                "FROM base AS parent\nONBUILD COPY src/app.py /app/\nFROM parent\nADD app.tar.gz /app/\n", nil, [],
                ["app.tar.gz", "src/app.py"]
            ),
            (
                "a stage that is not built does not count",
                "FROM base AS other\nCOPY README.md /\nFROM base\nCOPY requirements.txt src /app/\n", nil,
                ["requirements.txt"], ["src", "src/app.py"]
            ),
            (
                "only the dependency files copied: every other entry stays in src",
                "FROM python\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n", nil,
                ["requirements.txt"],
                ["Dockerfile", "README.md", "app.tar.gz", "src", "src/app.py"]
            ),
            (
                "configured groups take what they match, copied or not",
                "FROM python\nCOPY src/ ./src/\n", "groups:\n  deps: [requirements.txt]\n", ["requirements.txt"],
                ["Dockerfile", "README.md", "app.tar.gz", "layerpin.yaml", "src", "src/app.py"]
            ),
        ]

    @Test("the groups hold what the built stages copy", arguments: dockerfileGroups.map(\.name))
    func groupsFollowTheDockerfile(name: String) throws {
        let shape = Self.dockerfileGroups.first { $0.name == name }!
        let tree = TreeBuilder(
            "requirements.txt = six\\n\nsrc/app.py = print(1)\\n\nREADME.md = hi\\n\napp.tar.gz = not really\n")
        defer { tree.remove() }
        tree.file("Dockerfile", shape.dockerfile)
        if let config = shape.config { tree.file("layerpin.yaml", config) }
        let groups = try groupPaths(tree)
        #expect((groups["deps"] ?? []) == shape.deps, "\(name)")
        #expect(groups["src"] == shape.src, "\(name)")
    }

    @Test("a file no COPY takes changes the context digest only; pinned (docs/digest-spec.md)")
    func outsideLayers() throws {
        let tree = TreeBuilder("requirements.txt = six\\n\nsrc/app.py = print(1)\\n\nREADME.md = hi\\n")
        defer { tree.remove() }
        tree.file("Dockerfile", Self.dockerfileGroups[0].dockerfile)
        let before = try digests(tree)
        #expect(before["deps"] == "sha256:1d2523351bcf763ffc27ddf4cdd2d26955ed7538e1486e3f02ca3b7320ead493")
        #expect(before["src"] == "sha256:6087d86b08a8c8254266f8bf2503c1a7fb426aaf32f84f443d4ef2be87e571d1")
        #expect(before["context"] == "sha256:c1f43ba7c03e97a07c9c00b871565d1783bf384204c450a23ca4bab6f2e14fff")
        tree.file("README.md", "changed\n")
        let after = try digests(tree)
        #expect(after["deps"] == before["deps"])
        #expect(after["src"] == before["src"])
        #expect(after["context"] != before["context"])
        tree.file("src/app.py", "print(2)\n")
        #expect(try digests(tree)["src"] != before["src"])
    }

    @Test("a code change moves src and the context, never deps; a requirements change moves deps")
    func independence() throws {
        let tree = TreeBuilder("requirements.txt = six\napp.py = v1\n")
        defer { tree.remove() }
        let before = try digests(tree)
        tree.file("app.py", "v2")
        let code = try digests(tree)
        #expect(code["deps"] == before["deps"])
        #expect(code["src"] != before["src"])
        #expect(code["context"] != before["context"])
        tree.file("requirements.txt", "six==1.16")
        let deps = try digests(tree)
        #expect(deps["deps"] != code["deps"])
        #expect(deps["src"] == code["src"])
    }

    @Test("the exec bit counts; group and other bits do not")
    func modes() throws {
        let tree = TreeBuilder("run.sh = echo\n")
        defer { tree.remove() }
        let plain = try digests(tree)["context"]
        tree.chmod("run.sh", 0o664)
        #expect(try digests(tree)["context"] == plain)
        tree.chmod("run.sh", 0o744)
        let executable = try digests(tree)["context"]
        #expect(executable != plain)
        tree.chmod("run.sh", 0o755)
        #expect(try digests(tree)["context"] == executable)
    }

    @Test("symlink targets, names and empty directories count; .layerpin never does")
    func structure() throws {
        let tree = TreeBuilder("a = x\nl -> a\n")
        defer { tree.remove() }
        let base = try digests(tree)["context"]
        tree.file(".layerpin/manifest.json", "{}")
        #expect(try digests(tree)["context"] == base)
        tree.remove(path: "l")
        tree.symlink(Array("l".utf8), to: Array("b".utf8))
        #expect(try digests(tree)["context"] != base)
        let retargeted = try digests(tree)["context"]
        tree.directory(Array("empty".utf8))
        #expect(try digests(tree)["context"] != retargeted)
    }

    @Test("no dependency manifest: no deps group at all")
    func noDeps() throws {
        let tree = TreeBuilder("main.c = int main(){}\n")
        defer { tree.remove() }
        #expect(try Array(digests(tree).keys).sorted() == ["context", "src"])
    }

    @Test(
        "ecosystems detect their manifests",
        arguments: [
            ("package.json\nyarn.lock\nindex.js\n", ["package.json", "yarn.lock"]),
            ("go.mod\ngo.sum\nmain.go\n", ["go.mod", "go.sum"]),
            ("Cargo.toml\nCargo.lock\nsrc/main.rs\n", ["Cargo.lock", "Cargo.toml"]),
            ("Gemfile\nGemfile.lock\napp.rb\n", ["Gemfile", "Gemfile.lock"]),
            ("composer.json\ncomposer.lock\nindex.php\n", ["composer.json", "composer.lock"]),
            ("pom.xml\nsrc/Main.java\n", ["pom.xml"]),
            ("Package.swift\nSources/main.swift\n", ["Package.swift"]),
        ])
    func ecosystems(spec: String, deps: [String]) throws {
        let tree = TreeBuilder(spec)
        defer { tree.remove() }
        #expect(try groupPaths(tree)["deps"] == deps)
    }

    @Test("configured groups: order kept, patterns in .dockerignore syntax")
    func configuredGroups() throws {
        let tree = TreeBuilder("requirements.txt\nlibs/x/setup.py\nsrc/app.py\nREADME.md\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "groups:\n  deps: [requirements.txt, libs/]\n  src: [src/]\n")
        let groups = try groupPaths(tree)
        #expect(groups["deps"] == ["libs", "libs/x", "libs/x/setup.py", "requirements.txt"])
        #expect(groups["src"] == ["src", "src/app.py"])
    }

    @Test("a configured group that matches nothing is an error")
    func emptyGroup() throws {
        let tree = TreeBuilder("app.py\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "groups:\n  deps: [requirements.txt]\n")
        #expect {
            try Fingerprinter(root: tree.root).fingerprint()
        } throws: { error in
            guard case LayerpinError.emptyGroup(let name, let configured) = error else { return false }
            return name == "deps" && configured
        }
    }

    @Test("overlapping groups are an error naming the path and both groups")
    func overlap() throws {
        let tree = TreeBuilder("requirements.txt\nsrc/app.py\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", "groups:\n  src: [\"*\"]\n")
        #expect {
            try Fingerprinter(root: tree.root).fingerprint()
        } throws: { error in
            guard case LayerpinError.overlappingGroups(let path, let first, let second) = error else { return false }
            return path == Array("requirements.txt".utf8) && first == "deps" && second == "src"
        }
    }

    @Test("local-path requirements are reported with file and line")
    func localPaths() throws {
        let tree = TreeBuilder("app.py\n")
        defer { tree.remove() }
        tree.file("requirements.txt", "flask\n-e .\n./libs/x\nthing @ file:///tmp/x\nrequests>=2 # ok\r\n")
        let found = try Fingerprinter(root: tree.root).fingerprint().localPathRequirements
        #expect(found.map(\.line) == [2, 3, 4])
        #expect(found.map(\.file) == ["requirements.txt", "requirements.txt", "requirements.txt"])
    }

    @Test(
        "malformed configuration names the file and line",
        arguments: [
            ("groups:\n  deps: [a]\n  deps: [b]\n", 3, ConfigProblem.duplicateKey("deps")),
            ("ecosystem: cobol\n", 1, .unknownEcosystem("cobol")),
            ("colour: blue\n", 1, .unknownKey("colour", known: Config.knownKeys.sorted())),
            ("groups:\n  Deps: [a]\n", 2, .invalidGroupName("Deps")),
            ("groups: [a]\n", 1, .groupsNotAMapping),
            ("groups:\n  x: ['[']\n", 2, .invalidGroupPattern(group: "x", pattern: "[")),
            ("verify: maybe\n", 1, .unknownVerifyMode("maybe")),
            ("command: {a: b}\n", 1, .notAStringList(key: "command")),
        ])
    func badConfig(text: String, line: Int, problem: ConfigProblem) throws {
        let tree = TreeBuilder("a\n")
        defer { tree.remove() }
        tree.file("layerpin.yaml", text)
        #expect {
            try Fingerprinter(root: tree.root).fingerprint()
        } throws: { error in
            guard case LayerpinError.invalidConfig(let file, let reported, let found) = error else { return false }
            return file == "layerpin.yaml" && reported == line && found == problem
        }
    }
}
