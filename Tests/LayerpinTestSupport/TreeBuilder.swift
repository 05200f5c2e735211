import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemChmod = Glibc.chmod
    private let systemSymlink = Glibc.symlink
#elseif canImport(Darwin)
    import Darwin
    private let systemChmod = Darwin.chmod
    private let systemSymlink = Darwin.symlink
#endif

/// Builds a directory tree for a test in a fresh temporary directory, with raw-byte names,
/// exec bits, symlinks, FIFOs and empty directories; removed by `remove()`.
public final class TreeBuilder {
    /// The tree's root directory.
    public let root: String

    public init() {
        var template = Array((NSTemporaryDirectory() + "/layerpin-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
        root = String(cString: made)
    }

    /// Builds a tree from the DSL: one entry per line; `dir/` a directory, `a -> b` a symlink,
    /// `name*` an executable file, anything else a file whose content is its own path (or the text
    /// after ` = `, where `\n` stands for a newline). `%XX` in names stands for a raw byte.
    @discardableResult
    public convenience init(_ spec: String) {
        self.init()
        for line in spec.split(separator: "\n") { add(String(line)) }
    }

    /// Adds one DSL line (see `init(_:)`); spaces are part of names. Fixture `tree` files have no
    /// exec marker (a name may end in `*`).
    public func add(_ line: String, executableMarker: Bool = true) {
        if let arrow = line.range(of: " -> ") {
            symlink(
                Fixture.decode(String(line[..<arrow.lowerBound])), to: Fixture.decode(String(line[arrow.upperBound...]))
            )
        } else if line.hasSuffix("/") {
            directory(Fixture.decode(String(line.dropLast())))
        } else if let equals = line.range(of: " = ") {
            let content = line[equals.upperBound...].replacingOccurrences(of: "\\n", with: "\n")
            var name = String(line[..<equals.lowerBound])
            let executable = executableMarker && name.hasSuffix("*")
            if executable { name.removeLast() }
            file(Fixture.decode(name), Array(content.utf8), executable: executable)
        } else if executableMarker && line.hasSuffix("*") {
            let path = Fixture.decode(String(line.dropLast()))
            file(path, path, executable: true)
        } else {
            let path = Fixture.decode(line)
            file(path, path)
        }
    }

    /// The absolute path of a relative raw path inside the tree.
    public func path(_ relative: [UInt8]) -> [UInt8] {
        Array(root.utf8) + [UInt8(ascii: "/")] + relative
    }

    public func file(_ relative: [UInt8], _ content: [UInt8], executable: Bool = false) {
        makeParents(relative)
        let fd = withCPath(path(relative)) { open($0, O_WRONLY | O_CREAT | O_TRUNC, executable ? 0o755 : 0o644) }
        precondition(fd >= 0, "create \(relative) failed: \(errno)")
        content.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
        _ = withCPath(path(relative)) { systemChmod($0, executable ? 0o755 : 0o644) }
    }

    public func file(_ relative: String, _ content: String = "", executable: Bool = false) {
        file(Array(relative.utf8), Array(content.utf8), executable: executable)
    }

    public func directory(_ relative: [UInt8]) {
        makeParents(relative + [UInt8(ascii: "/"), UInt8(ascii: "x")])
    }

    public func symlink(_ relative: [UInt8], to target: [UInt8]) {
        makeParents(relative)
        let status = withCPath(target) { cTarget in withCPath(path(relative)) { systemSymlink(cTarget, $0) } }
        precondition(status == 0, "symlink failed: \(errno)")
    }

    public func fifo(_ relative: String) {
        makeParents(Array(relative.utf8))
        precondition(withCPath(path(Array(relative.utf8))) { mkfifo($0, 0o644) } == 0)
    }

    public func chmod(_ relative: String, _ mode: mode_t) {
        precondition(withCPath(path(Array(relative.utf8))) { systemChmod($0, mode) } == 0)
    }

    /// Changes the tree step by step: a DSL line adds an entry; `rm P` and `rmdir P` remove one;
    /// `chmod MODE P` sets a mode (octal).
    public func apply(_ steps: [String]) {
        for step in steps {
            let words = step.split(separator: " ", maxSplits: 2).map(String.init)
            switch words.first {
            case "rm", "rmdir": remove(path: words[1])
            case "chmod": chmod(words[2], mode_t(words[1], radix: 8)!)
            default: add(step)
            }
        }
    }

    /// Removes one entry (a file, symlink or empty directory).
    public func remove(path relative: String) {
        precondition(withCPath(path(Array(relative.utf8))) { unlink($0) == 0 || rmdir($0) == 0 })
    }

    public func remove() {
        _ = try? FileManager.default.removeItem(atPath: root)
    }

    private func makeParents(_ relative: [UInt8]) {
        var prefix: [UInt8] = []
        for component in relative.split(separator: UInt8(ascii: "/")).dropLast() {
            if !prefix.isEmpty { prefix.append(UInt8(ascii: "/")) }
            prefix += component
            _ = withCPath(path(prefix)) { mkdir($0, 0o755) }
        }
    }

    private func withCPath<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

/// Fixture files of the repository.
public enum Fixture {
    /// The repository's `Fixtures/` folder.
    public static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    /// Decodes `%XX` escapes into raw bytes; every other byte stands for itself.
    public static func decode(_ text: String) -> [UInt8] {
        unescape(text, marker: UInt8(ascii: "%"), digits: 2, radix: 16)
    }

    /// Decodes `MARKER` + `digits` digits in `radix` into the byte they name (`%41`, `\101`);
    /// every other byte stands for itself.
    public static func unescape(_ text: String, marker: UInt8, digits: Int, radix: Int) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == marker, index + digits < bytes.count,
                let value = UInt8(
                    String(decoding: bytes[(index + 1)...(index + digits)], as: UTF8.self), radix: radix)
            {
                out.append(value)
                index += 1 + digits
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    /// Lines of a fixture file (LF-separated, no trailing empty line).
    public static func lines(_ url: URL) throws -> [String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }
}
