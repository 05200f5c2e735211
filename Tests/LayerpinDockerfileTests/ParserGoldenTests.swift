import Foundation
import LayerpinDockerfile
import LayerpinTestSupport
import Testing

/// Golden folders: `Fixtures/dockerfiles/<case>/{Dockerfile,expected}` (a new case is a new
/// folder; `LAYERPIN_RECORD_SNAPSHOTS=1` writes a missing `expected`, to be read before committing),
/// with `error-20.10` (`LINE MESSAGE`) where Docker 20.10's frontend refuses the file, and
/// `Fixtures/dockerfiles-invalid/<case>/{Dockerfile,line,message}`, refused by both (`line-20.10`
/// where Docker 20.10's frontend, without heredocs, stops at another line). The engines'
/// own answers are re-checked by `scripts/check-dockerfile-fixtures`.
@Suite("Dockerfile parser (golden folders)")
struct ParserGoldenTests {
    static func cases(_ folder: String) -> [String] {
        let url = Fixture.directory.appendingPathComponent(folder)
        return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    @Test("there are golden cases") func present() {
        #expect(Self.cases("dockerfiles").count >= 25)
        #expect(Self.cases("dockerfiles-invalid").count >= 14)
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
        let older = folder.appendingPathComponent("error-20.10")
        if let refusal = try? String(contentsOf: older, encoding: .utf8) {
            let (line, message) = Self.refusal(refusal)
            #expect {
                _ = try DockerfileParser.parse(text, frontend: .docker20_10)
            } throws: { error in
                guard let error = error as? DockerfileError else { return false }
                return error.line == line && error.message == message
            }
        } else {
            #expect(try DockerfileParser.parse(text, frontend: .docker20_10).outline == outline, "\(name)")
        }
    }

    /// `LINE MESSAGE` of an `error-20.10` file.
    static func refusal(_ text: String) -> (Int, String) {
        let trimmed = text.trimmingCharacters(in: .newlines)
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        return (Int(trimmed[..<space]) ?? 0, String(trimmed[space...].dropFirst()))
    }

    @Test(arguments: cases("dockerfiles-invalid"))
    func invalid(name: String) throws {
        let folder = Fixture.directory.appendingPathComponent("dockerfiles-invalid").appendingPathComponent(name)
        let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent("Dockerfile")), as: UTF8.self)
        func number(_ file: String) -> Int? {
            (try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)).flatMap {
                Int($0.filter(\.isNumber))
            }
        }
        #expect(throws: DockerfileError.self) { try DockerfileParser.parse(text) }
        let message = try? String(contentsOf: folder.appendingPathComponent("message"), encoding: .utf8)
            .trimmingCharacters(in: .newlines)
        for frontend in [DockerfileFrontend.docker20_10, .current] {
            do {
                _ = try DockerfileParser.parse(text, frontend: frontend)
                Issue.record("\(name): accepted by \(frontend)")
            } catch {
                // `line-20.10`: where 20.10's frontend stops elsewhere (it reads no heredoc).
                let line = frontend == .docker20_10 ? number("line-20.10") ?? number("line") : number("line")
                #expect(error.line == line, "\(name): \(error.message)")
                if let message, frontend == .current || number("line-20.10") == nil {
                    #expect(error.message == message, "\(name)")
                }
            }
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
