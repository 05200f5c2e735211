import LayerpinCore
import LayerpinDockerfile
import LayerpinFuzzSupport

/// Dockerfile text: parsed; what parses is pinned (its layout read, its stages found).
func fuzzOne(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let file = try? DockerfileParser.parse(text) else { return }
    _ = file.stages
    _ = try? DockerfilePinner.pin(text, dependencyFiles: ["requirements.txt"], groups: ["deps", "src"])
    _ = ImageLayout.mappings(of: text, directories: [], target: nil)
}

#if LAYERPIN_FUZZ
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
        fuzzOne(FuzzTarget.bytes(data, count))
        return 0
    }
#else
    @main enum Replay {
        static func main() { FuzzTarget.replay(Array(CommandLine.arguments.dropFirst()), fuzzOne) }
    }
#endif
