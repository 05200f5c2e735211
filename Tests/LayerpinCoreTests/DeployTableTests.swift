import Foundation
import LayerpinDigest
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

/// The deploy verifier's container findings and Doctor's causes, as pure functions of inspect data
/// recorded from real containers (`Fixtures/inspect/`).
@Suite("Deploy verification and doctor over recorded inspect data")
struct DeployTableTests {
    static func recorded<Value: Decodable>(_ name: String, as type: Value.Type) throws -> Value {
        let url = Fixture.directory.appendingPathComponent("inspect/\(name).json")
        return try JSONDecoder().decode(Value.self, from: Data(contentsOf: url))
    }

    /// A clean report of the image's manifest at /app, tagged as the recorded containers' image.
    static func report() throws -> DeployReport {
        var manifest = try ManifestTests.sample()
        manifest.layout = [Manifest.Mapping(context: [], image: "/app")]
        manifest.tags = ["lpfix-app:src-0123456789ab"]
        return DeployReport(
            manifest: manifest, manifestSource: "test", files: VerificationReport(mismatches: [], entries: 4, files: 3))
    }

    /// A problem by its kind, without the values that change from recording to recording.
    static func kind(_ problem: DeployProblem) -> String {
        switch problem {
        case .exited(let code): "exited \(code)"
        case .restarting(let code): "restarting \(code)"
        case .restarted(let count): "restarted \(count)"
        case .unhealthy: "unhealthy"
        case .notRunning(let status): "not running \(status)"
        case .label(let name, _, _): "label \(name)"
        case .notRecreated: "not recreated"
        case .wrongImage(let runs, _): "wrong image \(runs)"
        case .shadowingMount(let type, _, let destination, let application, let extras):
            "\(type) over \(destination) at \(application), \(extras) extra"
        case .entrypointReplaced(let entrypoint): "entrypoint \(entrypoint.joined(separator: " "))"
        case .startupLog: "start-up log"
        }
    }

    @Test(
        "each recorded container gives its problems and its causes",
        arguments: [
            ("container-running", "image-app", [String](), [String]()),
            ("container-exited", "image-app", ["exited 1"], ["exited"]),
            ("container-restarting", "image-app", ["restarting 3"], ["restarting"]),
            ("container-volume", "image-app", ["volume over /app at /app, 1 extra"], ["shadowing-mount"]),
            ("container-bind", "image-app", ["bind over /app at /app, 1 extra"], ["shadowing-mount"]),
            ("container-replaced", "image-app", ["entrypoint sleep"], ["entrypoint-replaced"]),
            ("container-running", "image-app-rebuilt", ["not recreated"], ["not-recreated"]),
            ("container-renamed", "image-app", [], []),
        ])
    func recordedContainer(container: String, image: String, problems: [String], causes: [String]) throws {
        let info = try Self.recorded(container, as: ContainerInspect.self)
        let current = try Self.recorded(image, as: ImageInspect.self)
        var report = try Self.report()
        // What a mount over /app brings along: a file the image does not have, and one outside it.
        report.files.mismatches = [
            Mismatch(kind: .extra, path: Array("/app/.git/HEAD".utf8), found: "file"),
            Mismatch(kind: .extra, path: Array("/app-data/x".utf8), found: "file"),
        ]
        DeployVerifier.judge(
            &report, container: info,
            images: .init(runningID: info.image, reference: info.config.image, currentID: current.id))
        #expect(report.problems.map(Self.kind) == problems)
        #expect(report.state == info.state)
        let underMount = !(info.mounts ?? []).isEmpty
        // Extras under a mount are counted in its line, not listed; others stay.
        #expect(report.files.mismatches.count == (underMount ? 1 : 2))
        #expect(Doctor.diagnoses(of: report).map(\.cause) == causes)
        #expect(report.ok == (problems.isEmpty && report.files.mismatches.isEmpty))
    }

    @Test("a stale report: not rebuilt, or rebuilt and not recreated, said once, before what follows from it")
    func stale() throws {
        let info = try Self.recorded("container-running", as: ContainerInspect.self)
        let rebuilt = try Self.recorded("image-app-rebuilt", as: ImageInspect.self)
        var report = try Self.report()
        let runs = Provenance(report.manifest)
        let expected = Provenance(commit: String(repeating: "b", count: 40), digest: report.manifest.context)
        report.freshness = .stale(runs: runs, expected: expected, from: .project("."), cause: .notRebuilt, changes: [])
        report.problems = [.wrongImage(runs: "other:tag", tags: report.manifest.tags)]
        #expect(Doctor.diagnoses(of: report).map(\.cause) == ["not-rebuilt"])
        #expect(!report.ok)
        report.problems = []
        report.freshness = .stale(
            runs: runs, expected: expected, from: .project("."), cause: .notRecreated(tag: "app:src-1"), changes: [])
        DeployVerifier.judge(
            &report, container: info,
            images: .init(runningID: info.image, reference: info.config.image, currentID: rebuilt.id))
        #expect(Doctor.diagnoses(of: report).map(\.cause) == ["not-recreated"])
    }

    @Test("freshness: the same source is fresh whatever else differs; another is stale with what changed")
    func freshness() throws {
        let runs = try ManifestTests.sample()
        var retagged = runs
        retagged.tags = ["elsewhere:src-1"]
        #expect(
            DeployVerifier.freshness(of: runs, expecting: .manifest(retagged, from: .project(".")))
                == .fresh(.project(".")))
        let changed = try ManifestTests.sample(
            "requirements.txt = six\nsrc/app.py = print(2)\nrun.sh* = echo\nl -> src/app.py\n")
        guard
            case .stale(_, _, _, .notRebuilt, let changes) = DeployVerifier.freshness(
                of: runs, expecting: .manifest(changed, from: .project(".")))
        else {
            Issue.record("not stale")
            return
        }
        #expect(changes.map { RawPath.display($0.path) } == ["src/app.py"])
        #expect(DeployVerifier.freshness(of: runs, expecting: .commit("AAAAAAA")) == .fresh(.commit("AAAAAAA")))
        #expect(DeployVerifier.freshness(of: runs, expecting: .commit("bbbbbbb")).isStale)
        #expect(DeployVerifier.freshness(of: runs, expecting: .nothing) == .notChecked)
        // A baked manifest edited to match edited files, its own context digest left as it was,
        // is still stale against the expected one: entries are compared, not only that field.
        var forged = runs
        let index = try #require(forged.entries.firstIndex { $0.kind == .file })
        forged.entries[index].sha256 = SHA256Hasher.digest(of: Array("evil".utf8))
        #expect(forged.context == runs.context)
        guard
            case .stale(_, _, _, _, let forgedChanges) = DeployVerifier.freshness(
                of: forged, expecting: .manifest(runs, from: .manifestFile("release.json")))
        else {
            Issue.record("a forged baked manifest passed as fresh")
            return
        }
        #expect(forgedChanges.map(\.change) == [.content])
    }

    @Test("where an image of the expected source may be: its own tags, then the container's repository")
    func candidateTags() throws {
        var expected = try ManifestTests.sample()
        expected.tags = ["shop-web:src-0123456789ab"]
        #expect(
            DeployVerifier.candidateTags(of: expected, running: "acme/web:latest") == [
                "shop-web:src-0123456789ab", "acme/web:src-0123456789ab",
            ])
        #expect(DeployVerifier.candidateTags(of: expected, running: "shop-web:src-1") == ["shop-web:src-0123456789ab"])
        #expect(DeployVerifier.candidateTags(of: expected, running: "sha256:abc") == ["shop-web:src-0123456789ab"])
    }

    @Test(
        "a reference's repository keeps a registry port and drops the tag",
        arguments: [
            ("app:src-1", "app"), ("127.0.0.1:5000/app:src-1", "127.0.0.1:5000/app"),
            ("127.0.0.1:5000/app", "127.0.0.1:5000/app"),
            ("shop-web", "shop-web"),
        ])
    func repository(reference: String, expected: String) {
        #expect(DeployVerifier.repository(of: reference) == expected)
    }
}
