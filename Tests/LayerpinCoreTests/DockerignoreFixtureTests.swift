import Foundation
import LayerpinCore
import LayerpinIgnore
import LayerpinTestSupport
import Testing

/// Every folder of Fixtures/dockerignore is a context whose listing was recorded from the real
/// engines (scripts/check-dockerignore-fixtures re-checks them against each in `make e2e`): the
/// plain files hold Docker 20.10's answer, and current Docker's where no `-current` file says
/// otherwise.
@Suite("Context listings equal the engine's")
struct DockerignoreFixtureTests {
    static let cases: [String] = {
        let folder = Fixture.directory.appendingPathComponent("dockerignore")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted()
    }()

    @Test("the fixture folder is not empty, and both generations differ somewhere")
    func fixturesExist() {
        #expect(Self.cases.count >= 80)
        let folder = Fixture.directory.appendingPathComponent("dockerignore")
        let differing = Self.cases.filter { name in
            ["expected-current", "error-current"].contains {
                FileManager.default.fileExists(
                    atPath: folder.appendingPathComponent(name).appendingPathComponent($0).path)
            }
        }
        #expect(differing.count >= 10)
    }

    /// The file holding a generation's answer: `NAME-current` where current Docker answered otherwise.
    static func answer(_ name: String, in folder: URL, for generation: EngineGeneration) -> URL {
        let own = ["expected-current", "error-current"].contains {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
        return folder.appendingPathComponent(generation == .current && own ? name + "-current" : name)
    }

    @Test(arguments: cases, EngineGeneration.allCases)
    func listing(name: String, generation: EngineGeneration) throws {
        let folder = Fixture.directory.appendingPathComponent("dockerignore").appendingPathComponent(name)
        let tree = TreeBuilder()
        defer { tree.remove() }
        for line in try Fixture.lines(folder.appendingPathComponent("tree")) { tree.add(line, executableMarker: false) }
        if let ignore = try? Data(contentsOf: folder.appendingPathComponent("dockerignore")) {
            tree.file(Array(".dockerignore".utf8), Array(ignore))
        }
        // `layerpin-refuses`: Docker 20.10 answers, but with a regular expression layerpin does not
        // follow; layerpin refuses the line instead of sending another context.
        let refusedFile = folder.appendingPathComponent("layerpin-refuses")
        let errorFile =
            generation == .docker20_10 && FileManager.default.fileExists(atPath: refusedFile.path)
            ? refusedFile : Self.answer("error", in: folder, for: generation)
        if FileManager.default.fileExists(atPath: errorFile.path) {
            let line = Int(
                try String(contentsOf: errorFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            do {
                _ = try BuildContext.scan(root: tree.root, generation: generation)
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
        let expected = try Fixture.lines(Self.answer("expected", in: folder, for: generation)).map(Fixture.decode)
        let listed = try BuildContext.scan(root: tree.root, generation: generation).entries.map(\.path)
        #expect(listed.map(RawPath.display) == expected.map(RawPath.display))
    }
}
