import Foundation
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

/// Every folder of Fixtures/layouts: the manifest layerpin plans places each context file where the
/// engine put it (recorded by scripts/check-layout-fixtures, re-checked on both engines in make e2e).
@Suite("Image layouts equal the engine's (Fixtures/layouts)")
struct LayoutFixtureTests {
    static let folder = Fixture.directory.appendingPathComponent("layouts")
    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent($0 + "/Dockerfile").path)
    }.sorted()

    @Test("there are cases")
    func haveCases() {
        #expect(Self.cases.count >= 12)
    }

    @Test(arguments: cases)
    func layout(name: String) throws {
        let folder = Self.folder.appendingPathComponent(name)
        let tree = TreeBuilder()
        defer { tree.remove() }
        for line in try Fixture.lines(folder.appendingPathComponent("tree")) {
            tree.add(line.hasSuffix("/") ? line : "\(line) = content of \(line)\\n", executableMarker: false)
        }
        var fingerprinter = Fingerprinter(root: tree.root, dockerfile: folder.appendingPathComponent("Dockerfile").path)
        fingerprinter.useStatCache = false
        fingerprinter.engine = .named(.current)
        fingerprinter.target = try? String(contentsOf: folder.appendingPathComponent("target"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The directories the built image has at unsettled destinations (the base image's, a RUN's),
        // a symlink to one written `LINK -> DIRECTORY`: the verifiers ask the image, the test this list.
        var directories: [String: String] = [:]
        let listed = folder.appendingPathComponent("directories")
        if FileManager.default.fileExists(atPath: listed.path) {
            for line in try Fixture.lines(listed) {
                let parts = line.components(separatedBy: " -> ")
                directories[parts[0]] = parts.count > 1 ? parts[1] : parts[0]
            }
        }
        let planned = Planner.manifest(of: try fingerprinter.fingerprint(), git: nil, root: tree.root)
        let manifest = planned.settlingDestinations { directories[$0] != nil }
        #expect(Set(planned.unsettledDestinations).isSuperset(of: directories.keys), "\(name)")
        /// The path as the engine's export lists it: through the symlinks to directories.
        func followed(_ path: String) -> String {
            for (link, target) in directories where link != target && path.hasPrefix(link + "/") {
                return target + path.dropFirst(link.count)
            }
            return path
        }
        let placed = manifest.imageEntries().filter { $0.entry.kind == .file }.map {
            "\(String(decoding: $0.entry.path, as: UTF8.self))\t\(followed(String(decoding: $0.path, as: UTF8.self)))"
        }.sorted()
        // The engine lists a file once per place it landed; an overwritten one is not there.
        let expected = try Fixture.lines(folder.appendingPathComponent("layout")).sorted()
        #expect(placed == expected, "\(name)")
    }
}
