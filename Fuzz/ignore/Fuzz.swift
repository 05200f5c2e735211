import LayerpinFuzzSupport
import LayerpinIgnore

/// `.dockerignore` bytes: parsed for both engine generations; what parses is matched against
/// paths made of the input's own bytes.
func fuzzOne(_ bytes: [UInt8]) {
    for generation in EngineGeneration.allCases {
        guard let patterns = try? IgnoreFile.parse(bytes, generation: generation) else { continue }
        let matcher = IgnoreMatcher(patterns: patterns, generation: generation)
        for path in bytes.split(separator: 0x0A).prefix(16) {
            var inherited = IgnoreMatcher.Inherited()
            var prefix: [UInt8] = []
            for component in path.split(separator: 0x2F) {
                prefix += (prefix.isEmpty ? [] : [0x2F]) + component
                let verdict = matcher.verdict(prefix, inherited: inherited)
                inherited = verdict.inherited
                _ = matcher.mustEnterExcludedDirectory(prefix)
            }
            _ = matcher.isExcluded(Array(path))
        }
    }
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
