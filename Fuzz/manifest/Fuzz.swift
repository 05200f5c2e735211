import LayerpinCore
import LayerpinFuzzSupport

/// Manifest JSON: read; what reads must write canonically and read back the same.
func fuzzOne(_ bytes: [UInt8]) {
    guard let manifest = try? Manifest.read(bytes, file: "fuzz.json") else { return }
    let text = manifest.canonicalJSON
    guard let again = try? Manifest.read(Array(text.utf8), file: "fuzz.json"), again == manifest else {
        fatalError("a manifest that reads does not read back from its canonical JSON")
    }
    _ = try? VerifyScript.render(manifest)
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
