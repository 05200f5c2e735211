import LayerpinCore
import LayerpinFuzzSupport

/// A tar (of a container's file system, as `docker cp` gives it), under a small budget.
func fuzzOne(_ bytes: [UInt8]) {
    let path = FuzzTarget.scratchFile(bytes)
    let limits = ImageFileSystem.Limits(maxEntries: 10_000, maxBytes: 8 << 20)
    _ = try? ImageFileSystem.readTar(path, limits: limits)
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
