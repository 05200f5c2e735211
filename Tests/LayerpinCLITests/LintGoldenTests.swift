import Foundation
import LayerpinTestSupport
import Testing

/// Golden lint cases: `Fixtures/lint/<case>/` holds a `Dockerfile`, the context as a `tree`
/// (TreeBuilder lines) and the findings `layerpin lint` prints for it in each format:
/// `expected.txt`, `expected.json`, `expected.sarif` (`LAYERPIN_RECORD_SNAPSHOTS=1` writes them,
/// to be read before committing). Every rule has a case where it is right to fire and one where it
/// is right to stay quiet (most named `…-is-fine`).
@Suite("Lint golden cases (the built binary)")
struct LintGoldenTests {
    static let folder = Fixture.directory.appendingPathComponent("lint")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    @Test("every rule has a golden case where it fires and one where it stays quiet") func everyRule() throws {
        for rule in 1...14 {
            let id = String(format: "lp%03d", rule)
            let cases = Self.cases.filter { $0.hasPrefix(id + "-") }
            let fired = try cases.map { name in
                try String(
                    contentsOf: Self.folder.appendingPathComponent(name).appendingPathComponent("expected.txt"),
                    encoding: .utf8
                )
                .contains(" \(id.uppercased()) ")
            }
            #expect(fired.contains(true), "\(id) fires in no case")
            #expect(fired.contains(false), "\(id) stays quiet in no case")
        }
    }

    @Test("--target chooses the stage the findings are about; a stage that does not exist is exit 2")
    func target() throws {
        let dir = Self.folder.appendingPathComponent("lp012-final-stage-without-shell")
        let tree = TreeBuilder(try String(contentsOf: dir.appendingPathComponent("tree"), encoding: .utf8))
        defer { tree.remove() }
        try FileManager.default.copyItem(
            at: dir.appendingPathComponent("Dockerfile"), to: URL(fileURLWithPath: tree.root + "/Dockerfile"))
        let last = try CommandRunner.layerpin(["lint", "--no-cache"], in: tree.root)
        #expect(last.stdoutText.contains("LP012"))
        let build = try CommandRunner.layerpin(["lint", "--no-cache", "--target", "build"], in: tree.root)
        #expect(build.status != 2, "\(build.stderr)")
        #expect(!build.stdoutText.contains("LP012"), "\(build.stdoutText)")
        let missing = try CommandRunner.layerpin(["lint", "--no-cache", "--target", "no-such-stage"], in: tree.root)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no stage named 'no-such-stage' to build"), "\(missing.stderr)")
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
