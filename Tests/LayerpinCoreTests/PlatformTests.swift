import Foundation
import LayerpinCore
import LayerpinTestSupport
import Testing

@Suite("Build platforms, named as the engine names them")
struct PlatformTests {
    @Test(
        "spellings the engine takes for one platform give one name (and one recipe digest)",
        arguments: [
            ("linux/arm64", "linux/arm64"),
            ("linux/aarch64", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64"),
            ("arm64", "linux/arm64"),
            ("LINUX/ARM64", "linux/arm64"),
            ("linux/x86_64", "linux/amd64"),
            ("amd64", "linux/amd64"),
            ("linux/amd64/v1", "linux/amd64"),
            ("linux/amd64/v3", "linux/amd64/v3"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/7", "linux/arm/v7"),
            ("linux/arm/v6", "linux/arm/v6"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/armel", "linux/arm/v6"),
            ("linux/i686", "linux/386"),
            ("macos/arm64", "darwin/arm64"),
            ("windows/amd64", "windows/amd64"),
            ("linux/riscv64", "linux/riscv64"),
        ])
    func normalized(text: String, name: String) throws {
        #expect(try #require(Platform(parsing: text)).description == name)
    }

    @Test("what is not os/arch[/variant] is no platform")
    func invalid() {
        for text in ["", "/", "linux/", "/arm64", "linux/arm64/v8/x", "linux arm64", "linux/arm64\n", "linux/$ARCH"] {
            #expect(Platform(parsing: text) == nil, "\(text.debugDescription)")
        }
    }

    @Test(
        "a Linux machine by its uname -m: an x86 box, a 64-bit Pi, a 32-bit Pi, a Pi Zero",
        arguments: [
            ("x86_64", "linux/amd64"), ("aarch64", "linux/arm64"), ("armv7l", "linux/arm/v7"),
            ("armv6l", "linux/arm/v6"), ("i686", "linux/386"), ("riscv64", "linux/riscv64"),
        ])
    func machines(machine: String, name: String) throws {
        #expect(try #require(Platform.linux(machine: machine)).description == name)
    }

    @Test("a machine Docker has no name for is none")
    func unknownMachine() {
        #expect(Platform.linux(machine: "vax") == nil)
    }

    @Test("this machine's platform, from uname, is the one this binary was compiled for")
    func host() throws {
        #if arch(x86_64)
            #expect(Platform.host.description == "linux/amd64")
        #elseif arch(arm64)
            #expect(Platform.host.description == "linux/arm64")
        #elseif arch(arm)
            #expect(Platform.host.architecture == "arm")
        #endif
    }

    @Test("layerpin.yaml platform: is normalised; a wrong one is exit 2 naming its line")
    func config() throws {
        #expect(
            try Config.parse("platform: linux/aarch64\n", file: "layerpin.yaml").platform?.description == "linux/arm64")
        do {
            _ = try Config.parse("ecosystem: python\nplatform: linux/arm64/v8/x\n", file: "layerpin.yaml")
            Issue.record("accepted a four-part platform")
        } catch {
            guard case .invalidConfig(_, let line, .invalidPlatform("linux/arm64/v8/x")) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(line == 2)
        }
    }

    @Test("--platform over layerpin.yaml over the default; the manifest and its recipe record it")
    func manifestRecordsPlatform() throws {
        let tree = TreeBuilder("requirements.txt = six\nsrc/app.py = print(1)\n")
        defer { tree.remove() }
        var fingerprinter = Fingerprinter(root: tree.root)
        fingerprinter.useStatCache = false
        fingerprinter.defaultPlatform = Platform(os: "linux", architecture: "amd64")
        func manifest() throws -> Manifest {
            Planner.manifest(of: try fingerprinter.fingerprint(), git: nil, root: tree.root)
        }
        let amd64 = try manifest()
        #expect(amd64.platform == "linux/amd64")
        tree.file(Array("layerpin.yaml".utf8), Array("platform: linux/arm/v7\n".utf8))
        let configured = try manifest()
        #expect(configured.platform == "linux/arm/v7")
        fingerprinter.platform = Platform(parsing: "linux/aarch64")
        let arm64 = try manifest()
        #expect(arm64.platform == "linux/arm64")
        #expect(arm64.digest(of: "src") == configured.digest(of: "src"))
        #expect(arm64.recipe != configured.recipe)
        #expect(configured.recipe != amd64.recipe)
    }
}
