import Testing

@testable import LayerpinCore

@Suite("Image paths compare by component")
struct ImagePathTests {
    @Test(
        "within: the directory itself and what lies below it, never a sibling that shares a prefix",
        arguments: [
            ("/app", "/app", true), ("/app/", "/app", true), ("/app/./src", "/app", true),
            ("/app/src/x", "/app/", true),
            ("/app2", "/app", false), ("/ap", "/app", false), ("/srv/app", "/app", false), ("/anything", "/", true),
            ("/", "/app", false),
        ])
    func within(path: String, directory: String, expected: Bool) {
        #expect(ImagePath.isWithin(path, directory) == expected)
    }

    @Test(
        "overlaps: a mount on the app path, above it or below it; not beside it",
        arguments: [
            ("/app", "/app/data", true), ("/app/data", "/app", true), ("/code", "/code/", true),
            ("/app-data", "/app", false), ("/data", "/app", false),
        ])
    func overlaps(first: String, second: String, expected: Bool) {
        #expect(ImagePath.overlaps(first, second) == expected)
    }
}

extension ImagePathTests {
    @Test("a mount shadows the outermost application path it overlaps, once")
    func shadowed() {
        let layout = ["/srv/api/package.json", "/srv/api", "/srv/api/lib", "/etc/layerpin/"]
        #expect(ImagePath.shadowed(by: "/srv/api", among: layout) == "/srv/api")
        #expect(ImagePath.shadowed(by: "/srv/api/lib/x", among: layout) == "/srv/api")
        #expect(ImagePath.shadowed(by: "/srv/api-data", among: layout) == nil)
    }
}

@Suite("Run-time paths")
struct RuntimePathsTests {
    @Test(
        "patterns placed under the application and matched segment by segment",
        arguments: [
            ("db.sqlite3", "/app/db.sqlite3", true), ("db.sqlite3", "/app/db.sqlite3-journal", false),
            ("logs/", "/app/logs/2026/a.log", true), ("logs", "/app/logsx", false),
            ("*.log", "/app/a.log", true), ("*.log", "/app/sub/a.log", false),
            ("**/__pycache__", "/app/src/deep/__pycache__/m.pyc", true), ("**/__pycache__", "/app/__pycache__", true),
            ("src/**/*.pyc", "/app/src/a/b/c.pyc", true), ("src/**/*.pyc", "/app/lib/c.pyc", false),
            ("media/**", "/app/media/x/y", true), ("db.sqlite3", "/srv/db.sqlite3", false),
        ])
    func matches(pattern: String, path: String, expected: Bool) {
        let paths = RuntimePaths([pattern], layout: [Manifest.Mapping(context: [], image: "/app/")], directories: [])
        #expect(paths.contains(Array(path.utf8)) == expected)
    }

    @Test(
        "patterns verify.sh cannot carry or does not support are refused",
        arguments: ["!keep", "a/**/b/**", "a**b", "../x", "it's", "a\tb", "x/[", ""])
    func refused(pattern: String) {
        #expect(RuntimePaths.problem(with: pattern) != nil)
    }

    @Test("a pattern under a copied subdirectory lands where that directory is copied")
    func placed() {
        let layout = [Manifest.Mapping(context: Array("web".utf8), image: "/srv/site")]
        let paths = RuntimePaths(
            ["web/uploads/", "**/*.pyc", "other/x"], layout: layout, directories: [Array("web".utf8)])
        #expect(paths.imagePatterns == ["/srv/site/**/*.pyc", "/srv/site/uploads"])
    }
}

@Suite("Image references")
struct ImageReferenceTests {
    @Test(
        "the tag follows the last ':' after the last '/': a registry port is never a tag",
        arguments: [
            ("app", "app", nil, nil), ("app:src-1", "app", "src-1", nil),
            ("127.0.0.1:5000/myapp", "127.0.0.1:5000/myapp", nil, nil),
            ("127.0.0.1:5000/myapp:deps-abc", "127.0.0.1:5000/myapp", "deps-abc", nil),
            ("ghcr.io/acme/web:1.2@sha256:aa", "ghcr.io/acme/web", "1.2", "sha256:aa"),
            ("python@sha256:bb", "python", nil, "sha256:bb"),
        ] as [(String, String, String?, String?)])
    func parse(text: String, repository: String, tag: String?, digest: String?) throws {
        let reference = try #require(ImageReference(parsing: text))
        #expect(reference.repository == repository)
        #expect(reference.tag == tag)
        #expect(reference.digest == digest)
        #expect(reference.description == text)
    }

    @Test("an image ID or nothing is no reference")
    func notReferences() {
        #expect(ImageReference(parsing: "sha256:0123") == nil)
        #expect(ImageReference(parsing: "") == nil)
    }
}
