import Foundation

/// A private directory of layerpin's under the temporary directory (`TMPDIR`, else `/tmp`), made
/// fresh under a random name (mode 0700, never an existing one) and removed with everything in it
/// when the work is done: where a build's context is unpacked when it cannot travel as a stream.
struct StagingDirectory: Sendable {
    let path: String

    init() throws(LayerpinError) {
        let parent = FileSystem.temporaryDirectory
        let name = "layerpin-staging." + UUID().uuidString.lowercased()
        let directory = try OpenDirectory(parent)
        do {
            try FileSystem.makeNewDirectory(at: directory.rawValue, Array(name.utf8), mode: 0o700)
            try FileSystem.makeNewDirectory(at: directory.rawValue, Array((name + "/context").utf8), mode: 0o755)
        } catch {
            throw .systemCall(operation: error.operation, path: Array((parent + "/" + name).utf8), errno: error.errno)
        }
        path = parent + "/" + name
    }

    /// Removes it and everything in it (never following a link out of it).
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
