import Foundation
import LayerpinDigest
import LayerpinIgnore
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("The manifest: canonical writing, strict reading")
struct ManifestTests {
    /// A manifest of a small committed-looking tree, built without git.
    static func sample(
        _ spec: String = "requirements.txt = six\nsrc/app.py = print(1)\nrun.sh* = echo\nl -> src/app.py\n"
    )
        throws -> Manifest
    {
        let tree = TreeBuilder(spec)
        defer { tree.remove() }
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        let git = Manifest.Git(
            commit: String(repeating: "a", count: 40), branch: "main", commitTime: "2026-11-25T10:00:00+00:00",
            dirty: false)
        return Planner.manifest(of: try fingerprinter.fingerprint(), git: git, root: "/srv/demo-app")
    }

    @Test("canonical JSON round-trips and is stable: the same inputs give the same bytes")
    func roundTrip() throws {
        let manifest = try Self.sample()
        let text = manifest.canonicalJSON
        let read = try Manifest.read(Array(text.utf8), file: "m.json")
        #expect(read == manifest)
        #expect(read.canonicalJSON == text)
        #expect(try Self.sample().canonicalJSON == text)
        #expect(manifest.tags == ["demo-app:src-\(manifest.digest(of: "src")!.hex.prefix(12))"])
        #expect(
            manifest.buildArgs.keys.sorted() == [
                "LAYERPIN_COMMIT", "LAYERPIN_CREATED", "LAYERPIN_DEPS_DIGEST", "LAYERPIN_SRC_DIGEST",
            ])
        #expect(manifest.buildArgs["LAYERPIN_CREATED"] == "2026-11-25T10:00:00+00:00")
        // Sorted keys, two-space indentation, newline at the end.
        #expect(text.hasPrefix("{\n  \"buildArgs\": {\n    \"LAYERPIN_COMMIT\": \"aaaa"))
        #expect(text.hasSuffix("}\n"))
    }

    @Test("the manifest records whose walk chose its entries; one without it was 20.10's; another value is refused")
    func engine() throws {
        var manifest = try Self.sample()
        for generation in [EngineGeneration.docker20_10, .current] {
            manifest.engine = generation
            let text = manifest.canonicalJSON
            #expect(text.contains("\"engine\": \"\(generation.rawValue)\""))
            #expect(try Manifest.read(Array(text.utf8), file: "m.json").engine == generation)
        }
        manifest.engine = nil
        #expect(!manifest.canonicalJSON.contains("\"engine\""))
        let bad = manifest.canonicalJSON.replacingOccurrences(
            of: "\"ecosystem\":", with: "\"engine\": \"19.03\",\n  \"ecosystem\":")
        do {
            _ = try Manifest.read(Array(bad.utf8), file: "m.json")
            Issue.record("accepted engine 19.03")
        } catch {
            #expect(error.field == "engine")
        }
    }

    @Test("raw-byte paths survive JSON through the spec's encoding")
    func rawPaths() throws {
        let tree = TreeBuilder()
        defer { tree.remove() }
        tree.file([0x62, 0xFF, 0x20, 0x25], [1])
        tree.file(Array("caf\u{E9}".utf8), [2])
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        let manifest = Planner.manifest(of: try fingerprinter.fingerprint(), git: nil, root: tree.root)
        #expect(manifest.canonicalJSON.contains("\"path\": \"b%FF%20%25\""))
        #expect(manifest.canonicalJSON.contains("\"path\": \"caf%C3%A9\""))
        #expect(
            try Manifest.read(Array(manifest.canonicalJSON.utf8), file: "m").entries.map(\.path).contains([
                0x62, 0xFF, 0x20, 0x25,
            ]))
    }

    /// Each malformed manifest is refused, naming the line or the field.
    @Test(
        "strict reading",
        arguments: [
            ("truncated", #"{"schema": "layerpin.manifest/v1", "tool""#, "line 1", "truncated"),
            (
                "duplicate key", "{\"schema\": \"layerpin.manifest/v1\",\n\"tool\": \"a\",\n\"tool\": \"b\"}", "line 3",
                "duplicate key 'tool'"
            ),
            ("trailing text", #"{} {}"#, "line 1", "after the JSON value"),
            ("fraction", #"{"a": 1.5}"#, "line 1", "whole numbers"),
            ("comment", "{// x\n}", "line 1", "key in quotes"),
            ("unknown major version", #"{"schema": "layerpin.manifest/v2"}"#, "schema", "unsupported version 2"),
            ("not a manifest", #"{"schema": "something/v1"}"#, "schema", "not a layerpin manifest"),
            ("missing field", #"{"schema": "layerpin.manifest/v1"}"#, "git", "missing"),
        ])
    func strict(name: String, text: String, location: String, message: String) {
        do {
            _ = try Manifest.read(Array(text.utf8), file: "m.json")
            Issue.record("\(name): accepted")
        } catch {
            let place = error.line.map { "line \($0)" } ?? error.field ?? ""
            #expect(place == location, "\(name)")
            #expect(error.message.contains(message), "\(name): \(error.message)")
        }
    }

    @Test("wrong types and malformed values name the field")
    func wrongTypes() throws {
        let good = try Self.sample().canonicalJSON
        let cases: [(String, String, String)] = [
            ("\"dirty\": false", "\"dirty\": \"no\"", "git.dirty"),
            // entries[0] is the symlink "l"; entries[1] is requirements.txt, the first file.
            ("\"kind\": \"file\"", "\"kind\": \"fifo\"", "entries[1].kind"),
            ("\"mode\": \"100644\"", "\"mode\": \"100600\"", "entries[1].mode"),
            ("\"size\": 3", "\"size\": \"3\"", "entries[1].size"),
        ]
        for (from, to, field) in cases {
            guard let range = good.range(of: from) else {
                Issue.record("sample lacks \(from)")
                continue
            }
            let bad = good.replacingCharacters(in: range, with: to)
            #expect(throws: ManifestError.self, "\(field)") { try Manifest.read(Array(bad.utf8), file: "m") }
            do {
                _ = try Manifest.read(Array(bad.utf8), file: "m")
            } catch {
                #expect(error.field == field)
            }
        }
    }

    @Test("an unsettled destination round-trips; a settled layout keeps its bytes; a bad one names the field")
    func unsettledDestinations() throws {
        var manifest = try Self.sample()
        let settledText = manifest.canonicalJSON
        #expect(!settledText.contains("ifDirectory"))
        manifest.layout = [
            Manifest.Mapping(
                context: Array("a.txt".utf8), image: "/opt", nameIfDirectory: "a.txt", onlyIfDirectory: true),
            Manifest.Mapping(context: Array("b.txt".utf8), image: "/opt", nameIfDirectory: "b.txt"),
            Manifest.Mapping(context: [], image: "/app"),
        ]
        manifest.stageLayout = [Manifest.Mapping(context: [], image: "/src", executable: true)]
        let text = manifest.canonicalJSON
        #expect(try Manifest.read(Array(text.utf8), file: "m.json") == manifest)
        #expect(text.contains("\"stageLayout\""))
        #expect(manifest.unsettledDestinations == ["/opt"])
        // What a mount hides is judged at the file's place inside the directory.
        #expect(manifest.applicationPaths == ["/opt/a.txt", "/opt/b.txt", "/app"])
        // A directory there: both inside it; a file: the last copy alone.
        #expect(
            manifest.settlingDestinations { $0 == "/opt" }.layout.map(\.image) == ["/opt/a.txt", "/opt/b.txt", "/app"])
        let atFile = manifest.settlingDestinations { _ in false }.layout
        #expect(atFile.map(\.image) == ["/opt", "/app"])
        #expect(atFile.first?.context == Array("b.txt".utf8))
        for (from, to, field) in [
            ("\"ifDirectory\": \"b.txt\"", "\"ifDirectory\": \"../b.txt\"", "layout[1].ifDirectory"),
            ("\"ifDirectory\": \"b.txt\"", "\"ifDirectory\": 7", "layout[1].ifDirectory"),
            ("\"onlyIfDirectory\": true", "\"onlyIfDirectory\": 1", "layout[0].onlyIfDirectory"),
            ("\"ifDirectory\": \"a.txt\",", "", "layout[0].onlyIfDirectory"),
        ] {
            let bad = text.replacingOccurrences(of: from, with: to)
            #expect(bad != text, "\(field)")
            do {
                _ = try Manifest.read(Array(bad.utf8), file: "m")
                Issue.record("accepted \(to)")
            } catch {
                #expect(error.field == field, "\(to)")
            }
        }
    }

    @Test("unknown fields of version 1 are ignored")
    func unknownFields() throws {
        let manifest = try Self.sample()
        let text = manifest.canonicalJSON.replacingOccurrences(
            of: "{\n  \"buildArgs\"", with: "{\n  \"future\": [1, {\"x\": null}],\n  \"buildArgs\"")
        #expect(try Manifest.read(Array(text.utf8), file: "m") == manifest)
    }
}

@Suite("Diffs between manifests")
struct ManifestDiffTests {
    @Test("a source change touches src only; a requirements change rebuilds deps and every layer above")
    func layers() throws {
        let base = try ManifestTests.sample()
        let code = try ManifestTests.sample(
            "requirements.txt = six\nsrc/app.py = print(2)\nrun.sh* = echo\nl -> src/app.py\n")
        let codeDiff = ManifestDiff(old: base, new: code)
        #expect(codeDiff.files == [.init(change: .content, path: Array("src/app.py".utf8), group: "src")])
        #expect(codeDiff.changedGroups == ["src"])
        #expect(codeDiff.rebuiltLayers == ["src"])
        let deps = try ManifestTests.sample(
            "requirements.txt = six==1\nsrc/app.py = print(1)\nrun.sh* = echo\nl -> src/app.py\n")
        let depsDiff = ManifestDiff(old: base, new: deps)
        #expect(depsDiff.changedGroups == ["deps"])
        #expect(depsDiff.rebuiltLayers == ["deps", "src"])
        #expect(ManifestDiff(old: base, new: base).isEmpty)
    }

    @Test("a Dockerfile change changes the recipe, and every layer rebuilds; a source change does not touch it")
    func recipe() throws {
        let base = try ManifestTests.sample("requirements.txt = six\nsrc/app.py = print(1)\nDockerfile = FROM a\n")
        let code = try ManifestTests.sample("requirements.txt = six\nsrc/app.py = print(2)\nDockerfile = FROM a\n")
        let recipe = try ManifestTests.sample("requirements.txt = six\nsrc/app.py = print(1)\nDockerfile = FROM b\n")
        #expect(code.recipe == base.recipe)
        #expect(recipe.recipe != base.recipe)
        let diff = ManifestDiff(old: base, new: recipe)
        #expect(diff.recipeChanged)
        #expect(diff.rebuiltLayers == ["deps", "src"])
        // Pinned: the recipe listing of docs/manifest.md.
        let pinned = Recipe(
            dockerfile: nil, base: "python:3.11-slim", platform: "linux/arm64",
            arguments: ["LAYERPIN_SRC_DIGEST", "LAYERPIN_COMMIT"])
        #expect(pinned.digest.description == "sha256:92361768a9b12e16a18516b89d8f10e756ebeb756dd45444e2ebd0c091f37c0d")
    }

    @Test("every kind of file change is named")
    func kinds() throws {
        let base = try ManifestTests.sample()
        let changed = try ManifestTests.sample(
            "requirements.txt = six\nsrc/app.py/\nrun.sh = echo\nl -> run.sh\nnew.txt\n")
        let diff = ManifestDiff(old: base, new: changed)
        let found = Dictionary(
            uniqueKeysWithValues: diff.files.map { (String(decoding: $0.path, as: UTF8.self), $0.change) })
        #expect(found["src/app.py"] == .kind)
        #expect(found["run.sh"] == .mode)
        #expect(found["l"] == .target)
        #expect(found["new.txt"] == .added)
    }
}
