import Foundation
import LayerpinCore
import LayerpinTestSupport
import Testing

/// Every folder of Fixtures/dockerignore is a context whose listing was recorded from the real
/// engine (scripts/check-dockerignore-fixtures re-checks them against it in `make e2e`).
@Suite("Context listings equal the engine's")
struct DockerignoreFixtureTests {
    static let cases: [String] = {
        let folder = Fixture.directory.appendingPathComponent("dockerignore")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted()
    }()

    @Test("the fixture folder is not empty")
    func fixturesExist() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func listing(name: String) throws {
        let folder = Fixture.directory.appendingPathComponent("dockerignore").appendingPathComponent(name)
        let tree = TreeBuilder()
        defer { tree.remove() }
        for line in try Fixture.lines(folder.appendingPathComponent("tree")) { tree.add(line, executableMarker: false) }
        if let ignore = try? Data(contentsOf: folder.appendingPathComponent("dockerignore")) {
            tree.file(Array(".dockerignore".utf8), Array(ignore))
        }
        let errorFile = folder.appendingPathComponent("error")
        if FileManager.default.fileExists(atPath: errorFile.path) {
            let line = Int(
                try String(contentsOf: errorFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            do {
                _ = try BuildContext.scan(root: tree.root)
                Issue.record("expected .dockerignore:\(line ?? 0) to be refused")
            } catch {
                guard case .invalidIgnoreFile(let file, let problem) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(file == ".dockerignore")
                #expect(problem.line == line)
            }
            return
        }
        let expected = try Fixture.lines(folder.appendingPathComponent("expected")).map(Fixture.decode)
        let listed = try BuildContext.scan(root: tree.root).entries.map(\.path)
        #expect(listed.map(RawPath.display) == expected.map(RawPath.display))
    }
}
