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
