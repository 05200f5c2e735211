import Foundation
import LayerpinDockerfile
import LayerpinTestSupport
import Testing

/// Golden folders: `Fixtures/dockerfiles/<case>/{Dockerfile,expected}` (a new case is a new
/// folder; `LAYERPIN_RECORD_SNAPSHOTS=1` writes a missing `expected`, to be read before committing)
/// and `Fixtures/dockerfiles-invalid/<case>/{Dockerfile,line}`.
@Suite("Dockerfile parser (golden folders)")
struct ParserGoldenTests {
    static func cases(_ folder: String) -> [String] {
        let url = Fixture.directory.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    @Test("there are golden cases") func present() {
        #expect(Self.cases("dockerfiles").count >= 9)
        #expect(Self.cases("dockerfiles-invalid").count >= 3)
    }

    @Test(arguments: cases("dockerfiles"))
    func golden(name: String) throws {
        let folder = Fixture.directory.appendingPathComponent("dockerfiles").appendingPathComponent(name)
        let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent("Dockerfile")), as: UTF8.self)
        let outline = try DockerfileParser.parse(text).outline
        let expectedURL = folder.appendingPathComponent("expected")
        if ProcessInfo.processInfo.environment["LAYERPIN_RECORD_SNAPSHOTS"] == "1",
            !FileManager.default.fileExists(atPath: expectedURL.path)
        {
            try Data(outline.utf8).write(to: expectedURL)
        }
        #expect(outline == (try String(contentsOf: expectedURL, encoding: .utf8)), "\(name)")
    }

    @Test(arguments: cases("dockerfiles-invalid"))
    func invalid(name: String) throws {
        let folder = Fixture.directory.appendingPathComponent("dockerfiles-invalid").appendingPathComponent(name)
        let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent("Dockerfile")), as: UTF8.self)
        let line = Int(
            try String(contentsOf: folder.appendingPathComponent("line"), encoding: .utf8).filter(\.isNumber))
        #expect(throws: DockerfileError.self) { try DockerfileParser.parse(text) }
        do {
            _ = try DockerfileParser.parse(text)
        } catch {
            #expect(error.line == line, "\(name): \(error.message)")
        }
    }

    @Test("a rewrite keeps every line it does not touch")
    func rewrite() throws {
        let text = "FROM a\n# keep me\nRUN x \\\n  y\nCMD [\"z\"]\n"
        let file = try DockerfileParser.parse(text)
        #expect(file.text() == text)
        #expect(file.text(inserting: [3: ["ARG X"]]) == "FROM a\n# keep me\nARG X\nRUN x \\\n  y\nCMD [\"z\"]\n")
        #expect(file.text(replacing: [5: ["CMD [\"w\"]"]]) == "FROM a\n# keep me\nRUN x \\\n  y\nCMD [\"w\"]\n")
        #expect(file.stages.map(\.image) == ["a"])
    }
}

@Suite("JSON string literals")
struct JSONStringTests {
    @Test(
        "quotes, backslashes and control characters are escaped; the rest stays",
        arguments: [
            ("plain", #""plain""#), ("a\"b", #""a\"b""#), ("a\\b", #""a\\b""#), ("l1\nl2\r\t", #""l1\nl2\r\t""#),
            ("\u{1}\u{1f}", #""\u0001\u001f""#), ("café ✓", "\"café ✓\""),
        ])
    func quote(text: String, expected: String) {
        var out = ""
        JSONString.quote(text, into: &out)
        #expect(out == expected)
    }
}
