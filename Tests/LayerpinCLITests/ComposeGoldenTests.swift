import Foundation
import LayerpinTestSupport
import Testing

/// `Fixtures/compose/<case>/`: a compose project, and the override and warnings `layerpin compose`
/// gives for it (see the folder's README).
@Suite("layerpin compose golden cases (the built binary)")
struct ComposeGoldenTests {
    static var folder: URL { Fixture.directory.appendingPathComponent("compose") }

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0 + "/project").path)
        }.sorted()
    }

    @Test("there are golden cases")
    func haveCases() {
        #expect(Self.cases.count >= 3)
    }

    @Test("override and warnings as recorded", arguments: cases)
    func golden(name: String) throws {
        let work = TreeBuilder()
        defer { work.remove() }
        let project = work.root + "/project"
        try FileManager.default.copyItem(
            atPath: Self.folder.appendingPathComponent(name + "/project").path, toPath: project)
        let result = try CommandRunner.layerpin(
            ["compose"], in: project, environment: ["COMPOSE_PROJECT_NAME": "golden"])
        #expect(result.status == 0, "\(result.stderr)")
        let override = try String(contentsOfFile: project + "/.layerpin/compose.override.yml", encoding: .utf8)
        let expected = Self.folder.appendingPathComponent(name)
        for (file, actual) in [
            ("expected-override.yml", override), ("expected-stdout.txt", result.stdoutText),
            ("expected-stderr.txt", result.stderr),
        ] {
            let url = expected.appendingPathComponent(file)
            if ProcessInfo.processInfo.environment["LAYERPIN_RECORD_SNAPSHOTS"] == "1" {
                try Data(actual.utf8).write(to: url)
                continue
            }
            let recorded = try #require(try? String(contentsOf: url, encoding: .utf8), "\(name)/\(file) is missing")
            #expect(actual == recorded, "\(name)/\(file)")
        }
    }
}
