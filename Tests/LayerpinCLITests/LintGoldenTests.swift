import Foundation
import LayerpinTestSupport
import Testing

/// Golden lint cases: `Fixtures/lint/<case>/` holds a `Dockerfile`, the context as a `tree`
/// (TreeBuilder lines) and the findings `layerpin lint` prints for it in each format:
/// `expected.txt`, `expected.json`, `expected.sarif` (`LAYERPIN_RECORD_SNAPSHOTS=1` writes them,
/// to be read before committing). Every rule has a case where it is right to fire, and the rules
/// measured wrong on real files have one where it is right to stay quiet.
@Suite("Lint golden cases (the built binary)")
struct LintGoldenTests {
    static let folder = Fixture.directory.appendingPathComponent("lint")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    @Test("every rule has a golden case") func everyRule() {
        for rule in 1...13 {
            let id = String(format: "lp%03d", rule)
            #expect(Self.cases.contains { $0.hasPrefix(id + "-") }, "\(id)")
        }
    }

    @Test(arguments: cases)
    func golden(name: String) throws {
        let dir = Self.folder.appendingPathComponent(name)
        let tree = TreeBuilder(try String(contentsOf: dir.appendingPathComponent("tree"), encoding: .utf8))
        defer { tree.remove() }
        try FileManager.default.copyItem(
            at: dir.appendingPathComponent("Dockerfile"), to: URL(fileURLWithPath: tree.root + "/Dockerfile"))
        for (format, file) in [("text", "expected.txt"), ("json", "expected.json"), ("sarif", "expected.sarif")] {
            let result = try CommandRunner.layerpin(["lint", "--no-cache", "--format", format], in: tree.root)
            #expect(result.status != 2, "\(name): \(result.stderr)")
            let url = dir.appendingPathComponent(file)
            if ProcessInfo.processInfo.environment["LAYERPIN_RECORD_SNAPSHOTS"] == "1" {
                try Data(result.stdout).write(to: url)
                continue
            }
            #expect(result.stdoutText == (try String(contentsOf: url, encoding: .utf8)), "\(name) as \(format)")
        }
    }
}
