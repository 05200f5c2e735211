import LayerpinCore
import LayerpinFuzzSupport

/// `layerpin.yaml` text.
func fuzzOne(_ bytes: [UInt8]) {
    _ = try? Config.parse(String(decoding: bytes, as: UTF8.self), file: "layerpin.yaml")
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
