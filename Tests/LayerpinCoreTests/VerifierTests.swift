import Foundation
import LayerpinDigest
import LayerpinTestSupport
import Testing

@testable import LayerpinCore

@Suite("Verifying trees against a manifest")
struct VerifierTests {
    static let spec =
        "requirements.txt = six\nsrc/app.py = print(1)\nsrc/run.sh* = echo\nsrc/lib/\nlink -> src/app.py\n"

    /// Lays the sample context out as an image under `root` (at /app) and returns the manifest.
    static func image(_ tree: TreeBuilder) throws -> Manifest {
        let context = TreeBuilder(spec)
        defer { context.remove() }
        var fingerprinter = Fingerprinter(root: context.root)
        fingerprinter.useStatCache = false
        for line in spec.split(separator: "\n") { tree.add("app/" + line) }
        return Planner.manifest(of: try fingerprinter.fingerprint(), git: nil, root: context.root)
    }

    @Test(
        "each tampering is reported as its kind, and an untouched image passes",
        arguments: [
            ("nothing", [String](), [String]()),
            ("content", ["app/src/app.py = print(2)"], ["content /app/src/app.py"]),
            ("exec bit added", ["chmod 755 app/src/app.py"], ["mode /app/src/app.py"]),
            ("exec bit removed", ["chmod 644 app/src/run.sh"], ["mode /app/src/run.sh"]),
            ("missing file", ["rm app/requirements.txt"], ["missing /app/requirements.txt"]),
            ("missing directory", ["rmdir app/src/lib"], ["missing /app/src/lib"]),
            ("extra file", ["app/src/new.py"], ["extra /app/src/new.py"]),
            ("extra directory", ["app/cache/"], ["extra /app/cache"]),
            ("retargeted symlink", ["rm app/link", "app/link -> src/run.sh"], ["target /app/link"]),
            ("file became a directory", ["rm app/src/app.py", "app/src/app.py/"], ["kind /app/src/app.py"]),
            ("directory became a file", ["rmdir app/src/lib", "app/src/lib = x"], ["kind /app/src/lib"]),
            ("symlink became a file", ["rm app/link", "app/link = x"], ["kind /app/link"]),
        ])
    func tampering(name: String, steps: [String], expected: [String]) throws {
        let tree = TreeBuilder()
        defer { tree.remove() }
        let manifest = try Self.image(tree)
        tree.apply(steps)
        let report = try Verifier.verify(imageRoot: tree.root, against: manifest)
        #expect(report.mismatches.map { "\($0.kind.rawValue) \(RawPath.display($0.path))" } == expected, "\(name)")
        #expect(report.files == 3)
    }

    @Test(
        "a build-outputs table that is not one is refused, naming its line",
        arguments: [
            ("f\t-\t" + String(repeating: "a", count: 64) + "\tapp/x\n", 1, "the path must be absolute"),
            ("# ok\nd\t-\t-\t/app/x\nd\t-\t-\t/app/x\n", 3, "/app/x is recorded twice"),
            ("f\tx\t" + String(repeating: "A", count: 64) + "\t/app/x\n", 1, "a file wants EXEC"),
            ("f\ty\t" + String(repeating: "a", count: 64) + "\t/app/x\n", 1, "a file wants EXEC"),
            ("q\t-\t-\t/app/x\n", 1, "unknown kind 'q'"),
            ("d /app/x\n", 1, "separated by tabs"),
        ])
    func outputsRefused(text: String, line: Int, message: String) {
        #expect {
            _ = try BuildOutputs.read(Array(text.utf8))
        } throws: { error in
            guard case LayerpinError.invalidManifest(let problem) = error else { return false }
            return problem.file == BuildOutputs.imagePath && problem.line == line && problem.message.contains(message)
        }
    }

    @Test("a build-outputs table reads every kind, a tab-free raw path kept as bytes")
    func outputsRead() throws {
        let digest = String(repeating: "0f", count: 32)
        let outputs = try BuildOutputs.read(
            Array(
                "# header\n\nf\tx\t\(digest)\t/app/run\nd\t-\t-\t/app/d\nl\t-\t../t\t/app/l\na\t-\t-\t/app/gone\n".utf8)
                + [0x66, 0x09, 0x2D, 0x09] + Array(digest.utf8) + [0x09, 0x2F, 0xE9, 0x0A])
        #expect(outputs.states[Array("/app/run".utf8)] == .file(Digest(parsing: "sha256:" + digest), executable: true))
        #expect(outputs.states[Array("/app/d".utf8)] == .directory)
        #expect(outputs.states[Array("/app/l".utf8)] == .symlink(target: Array("../t".utf8)))
        #expect(outputs.states[Array("/app/gone".utf8)] == .absent)
        #expect(outputs.states[[0x2F, 0xE9]] == .file(Digest(parsing: "sha256:" + digest), executable: false))
        #expect(outputs.fileCount == 2)
    }

    @Test("every mismatch is reported, not the first; .layerpin under the app is not an extra")
    func all() throws {
        let tree = TreeBuilder()
        defer { tree.remove() }
        let manifest = try Self.image(tree)
        tree.apply(["app/src/app.py = x", "rm app/requirements.txt", "app/zzz", "app/.layerpin/cache = x"])
        let report = try Verifier.verify(imageRoot: tree.root, against: manifest)
        #expect(
            report.mismatches.map { "\($0.kind.rawValue) \(RawPath.display($0.path))" } == [
                "missing /app/requirements.txt", "content /app/src/app.py", "extra /app/zzz",
            ])
    }

    @Test("a tree laid out as the context is checked with its .dockerignore")
    func contextRoot() throws {
        let context = TreeBuilder(Self.spec)
        defer { context.remove() }
        var fingerprinter = Fingerprinter(root: context.root)
        fingerprinter.useStatCache = false
        let manifest = Planner.manifest(of: try fingerprinter.fingerprint(), git: nil, root: context.root)
        #expect(try Verifier.verify(contextRoot: context.root, against: manifest).mismatches.isEmpty)
        context.file("src/app.py", "print(3)")
        context.file("notes.log", "x")
        #expect(
            try Verifier.verify(contextRoot: context.root, against: manifest).mismatches.map(\.kind) == [
                .extra, .content,
            ])
        context.file(".dockerignore", "*.log\n.dockerignore\n")
        #expect(try Verifier.verify(contextRoot: context.root, against: manifest).mismatches.map(\.kind) == [.content])
        #expect(!FileManager.default.fileExists(atPath: context.root + "/.layerpin"))  // nothing written
    }
}
