import Foundation

/// What every fuzz target shares. A target is one function of the input bytes that must never
/// crash, hang or trip the address sanitizer, whatever the bytes. Built by `make fuzz`
/// (`-DLAYERPIN_FUZZ`, libFuzzer's main), it is fuzzed; built plainly, it replays inputs, so
/// `make test` runs the seed corpus through it without libFuzzer.
public enum FuzzTarget {
    /// The bytes libFuzzer hands over.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// Replays every file named (a directory: every file below it) through `body`; prints how many.
    public static func replay(_ arguments: [String], _ body: ([UInt8]) -> Void) -> Never {
        var inputs = 0
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("fuzz replay: no such input: \(argument)\n".utf8))
                exit(2)
            }
            let files =
                isDirectory.boolValue
                ? (FileManager.default.enumerator(atPath: argument)?.compactMap { $0 as? String } ?? []).sorted().map {
                    argument + "/" + $0
                } : [argument]
            for file in files {
                var fileIsDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: file, isDirectory: &fileIsDirectory)
                guard !fileIsDirectory.boolValue, let data = FileManager.default.contents(atPath: file) else {
                    continue
                }
                body(Array(data))
                inputs += 1
            }
        }
        print("replayed \(inputs) inputs")
        exit(0)
    }

    /// A scratch file of this process for targets whose reader takes a path: written with `bytes`.
    public static func scratchFile(_ bytes: [UInt8]) -> String {
        let path = NSTemporaryDirectory() + "/layerpin-fuzz-\(getpid()).input"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}
