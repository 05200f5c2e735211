import LayerpinDigest

/// `/etc/layerpin/outputs`: what the build's own steps left under the covered directories that
/// the manifest does not say (a `node_modules` an install wrote, `collectstatic`, a compiled
/// file, a context file a later step changed or removed). `verify.sh --record` writes it inside
/// the build, before the application `COPY` and again after the stage's last step; the start-up
/// check and `layerpin verify` check those paths against it, reported apart from source files.
///
/// One row a line, as the verifier's own table: `KIND<TAB>EXEC<TAB>VALUE<TAB>PATH`, KIND `f`
/// (VALUE the SHA-256 hex, EXEC `x` or `-`), `d`, `l` (VALUE the target) or `a` (the manifest's
/// entry there was removed); PATH absolute, raw bytes. Lines starting with `#` are comments.
package struct BuildOutputs: Sendable, Equatable {
    /// What the build left at one path.
    package enum State: Sendable, Equatable {
        /// A regular file (nil: a manifest entry whose content was not hashed).
        case file(Digest?, executable: Bool)
        case directory
        case symlink(target: [UInt8])
        /// The manifest's entry at this path was removed by a later step.
        case absent
    }

    package static let imagePath = "/etc/layerpin/outputs"
    /// The largest table read (a row is a path and a digest: millions of files).
    package static let sizeLimit = 1 << 30

    /// By absolute image path (raw bytes).
    package var states: [[UInt8]: State]

    package init(states: [[UInt8]: State] = [:]) { self.states = states }

    /// Files recorded (present ones).
    package var fileCount: Int {
        states.values.count {
            if case .file = $0 { return true }
            return false
        }
    }

    /// Reads the table; an error names the file and line.
    package static func read(_ bytes: [UInt8], file: String = imagePath) throws(LayerpinError) -> BuildOutputs {
        var states: [[UInt8]: State] = [:]
        func problem(_ line: Int, _ message: String) -> LayerpinError {
            .invalidManifest(ManifestError(file: file, line: line, field: nil, message: message))
        }
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            let fields = line.split(separator: 0x09, maxSplits: 3, omittingEmptySubsequences: false).map { Array($0) }
            guard fields.count == 4 else { throw problem(number, "want KIND, EXEC, VALUE and PATH separated by tabs") }
            let (kind, executable, value, path) = (fields[0], fields[1], fields[2], fields[3])
            guard path.first == RawPath.separator, !path.contains(0x00) else {
                throw problem(number, "the path must be absolute")
            }
            guard states[path] == nil else { throw problem(number, "\(RawPath.display(path)) is recorded twice") }
            switch kind {
            case Array("f".utf8):
                guard let digest = Digest(parsing: "sha256:" + String(decoding: value, as: UTF8.self)),
                    executable == Array("x".utf8) || executable == Array("-".utf8)
                else { throw problem(number, "a file wants EXEC x or - and a SHA-256 in lower-case hex") }
                states[path] = .file(digest, executable: executable == Array("x".utf8))
            case Array("d".utf8): states[path] = .directory
            case Array("l".utf8): states[path] = .symlink(target: value)
            case Array("a".utf8): states[path] = .absent
            default: throw problem(number, "unknown kind '\(RawPath.display(kind))' (want f, d, l or a)")
            }
        }
        return BuildOutputs(states: states)
    }
}
