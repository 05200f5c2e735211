import Foundation
import LayerpinCore
import LayerpinIgnore
import LayerpinTestSupport
import Testing

@Suite("Choosing the engine generation")
struct EngineSelectionTests {
    @Test(
        "the generation of a docker CLI, by its version line",
        arguments: [
            ("Docker version 20.10.24+dfsg1, build 297e128", EngineGeneration.docker20_10),
            ("Docker version 26.1.5+dfsg1, build a72d7cd", .current),
            ("Docker version 28.2.2, build e6534b4", .current),
            ("Docker version 23.0.0, build e92dd87", .current),
            ("Docker version 22.06.0-beta.0, build 1", .docker20_10),
            ("Docker version 19.03.15, build 99e3ed8", .docker20_10),
        ])
    func versions(line: String, generation: EngineGeneration) throws {
        let version = try #require(EngineSelection.clientVersion(fromVersionLine: line))
        #expect(EngineGeneration(clientVersion: version) == generation)
    }

    @Test("what is not a version line gives no version")
    func notVersions() {
        for line in ["", "podman version 4.3.1", "Docker version , build x", "Docker version"] {
            #expect(EngineSelection.clientVersion(fromVersionLine: line) == nil, "\(line)")
        }
    }

    @Test("a CLI is asked once: its answer is remembered by the executable's identity, asked again when that changes")
    func remembered() throws {
        let tree = TreeBuilder()
        defer { tree.remove() }
        let calls = tree.root + "/calls"
        func cli(_ version: String) {
            tree.file(
                "bin/docker", "#!/bin/sh\necho x >> '\(calls)'\necho 'Docker version \(version), build 1'\n",
                executable: true)
        }
        func asked() -> Int { ((try? String(contentsOfFile: calls, encoding: .utf8)) ?? "").count { $0 == "\n" } }
        cli("20.10.24+dfsg1")
        let environment = ["XDG_CACHE_HOME": tree.root + "/cache", "PATH": tree.root + "/bin"]
        let docker = tree.root + "/bin/docker"
        #expect(EngineSelection.asked(docker: docker, runner: ToolRunner(), environment: environment) == .docker20_10)
        #expect(asked() == 1)
        // Found through $PATH too: the same executable, the same identity.
        for name in [docker, "docker"] {
            #expect(EngineSelection.asked(docker: name, runner: ToolRunner(), environment: environment) == .docker20_10)
        }
        #expect(asked() == 1)
        let remembered = try String(contentsOfFile: tree.root + "/cache/layerpin/docker-clients", encoding: .utf8)
        #expect(remembered.hasPrefix("20.10\t") && remembered.hasSuffix("\t\(docker)\n"))
        // An upgrade is a new identity.
        cli("28.2.2")
        #expect(EngineSelection.asked(docker: docker, runner: ToolRunner(), environment: environment) == .current)
        #expect(asked() == 2)
        // A damaged file is no answer, and is written again.
        try "20.10\tgarbage\n".write(
            toFile: tree.root + "/cache/layerpin/docker-clients", atomically: false, encoding: .utf8)
        #expect(EngineSelection.asked(docker: docker, runner: ToolRunner(), environment: environment) == .current)
        #expect(asked() == 3)
        #expect(EngineSelection.asked(docker: docker, runner: ToolRunner(), environment: environment) == .current)
        #expect(asked() == 3)
    }

    @Test("--engine over layerpin.yaml over the CLI; no CLI: current")
    func precedence() {
        #expect(EngineSelection.named(.docker20_10).generation(configured: .current) == .docker20_10)
        #expect(
            EngineSelection.configuredOrDetected.generation(configured: .docker20_10, docker: "/nonexistent/docker")
                == .docker20_10)
        #expect(
            EngineSelection.configuredOrDetected.generation(configured: nil, docker: "/nonexistent/docker") == .current)
    }

    @Test("layerpin.yaml engine: is 20.10 or current, else exit 2 naming the line")
    func config() throws {
        #expect(try Config.parse("engine: \"20.10\"\n", file: "layerpin.yaml").engine == .docker20_10)
        #expect(try Config.parse("engine: current\n", file: "layerpin.yaml").engine == .current)
        do {
            _ = try Config.parse("ecosystem: python\nengine: 24\n", file: "layerpin.yaml")
            Issue.record("accepted engine: 24")
        } catch {
            guard case .invalidConfig(_, let line, .unknownEngine("24")) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(line == 2)
        }
    }
}

@Suite("The compose model, as the real composes print it (Fixtures/compose-config)")
struct ComposeModelTests {
    static let folder = Fixture.directory.appendingPathComponent("compose-config")

    static func model(_ file: String, isV2: Bool, profiles: [String] = []) throws -> ComposeProject {
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
        return try ComposeCLI(command: ["docker", "compose"], isV2: isV2).decode(
            bytes, activeProfiles: profiles, environment: [:])
    }

    @Test(
        "v2's JSON and 1.29's YAML read the same", arguments: [("compose-v2.json", true), ("compose-1.29.yml", false)])
    func sameModel(file: String, isV2: Bool) throws {
        let project = try Self.model(file, isV2: isV2)
        // The profile `extra` is not enabled: web2 is not there (v2 leaves it out, 1.29 is filtered).
        #expect(project.services.keys.sorted() == ["db", "remote", "web1"])
        let web1 = try #require(project.services["web1"]?.build)
        #expect(web1.context == "/PROJECT/web")
        #expect(web1.target == "dev")
        #expect(web1.network == "none")
        #expect(web1.args["GREETING"] == .some("hi"))  // interpolated from .env by compose
        #expect(
            project.services["web1"]?.volumes == [
                ComposeProject.Volume(target: "/app/src", isBind: true),
                ComposeProject.Volume(target: "/data", isBind: false),
            ])
        #expect(project.services["db"]?.build == nil)
        let compose = Compose(
            root: "/PROJECT", docker: "docker", compose: ComposeCLI(command: ["docker-compose"], isV2: false))
        let services = try compose.services(of: project)
        #expect(services.map(\.name) == ["remote", "web1"])
        #expect(services.map(\.isRemote) == [true, false])
    }

    @Test("a profile that is enabled brings its service (1.29, filtered by layerpin)")
    func profiles() throws {
        #expect(try Self.model("compose-1.29.yml", isV2: false, profiles: ["extra"]).services["web2"] != nil)
    }

    @Test("naming a service that does not build is an error naming those that do")
    func unknownService() throws {
        let project = try Self.model("compose-v2.json", isV2: true)
        let compose = Compose(
            root: "/PROJECT", only: ["db"], docker: "docker",
            compose: ComposeCLI(command: ["docker-compose"], isV2: false))
        #expect(throws: LayerpinError.self) { try compose.services(of: project) }
    }

    @Test("the up line names compose and the project's files")
    func upLine() {
        let v2 = Compose(root: "/p", docker: "docker", compose: ComposeCLI(command: ["docker", "compose"], isV2: true))
        #expect(
            v2.upCommand(files: ["compose.yaml", "compose.override.yml"])
                == "docker compose -f compose.yaml -f compose.override.yml -f .layerpin/compose.override.yml up -d")
        let v1 = Compose(root: "/p", docker: "docker", compose: ComposeCLI(command: ["docker-compose"], isV2: false))
        #expect(v1.upCommand(files: ["a.yml"]) == "docker-compose -f a.yml -f .layerpin/compose.override.yml up -d")
    }
}
