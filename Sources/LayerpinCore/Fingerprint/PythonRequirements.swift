/// A requirement that installs from a local path (`-e .`, `./libs/x`, `file:…`): it ties the
/// dependency layer to source files, so a source change may need a dependency rebuild.
package struct LocalPathRequirement: Sendable, Equatable {
    /// The requirements file, relative to the context root.
    package var file: String
    package var line: Int
    package var text: String
}

/// Follows pip requirement files: `-r`/`--requirement` and `-c`/`--constraint` includes, relative
/// to the including file, and spots local-path requirements.
enum PythonRequirements {
    /// The requirement files reachable from `start` (itself included), and the local-path
    /// requirements found in them; `contents` reads a context file, nil when absent.
    static func follow(
        _ start: [[UInt8]], contents: ([UInt8]) throws(LayerpinError) -> [UInt8]?
    ) throws(LayerpinError) -> (files: [[UInt8]], localPaths: [LocalPathRequirement]) {
        var seen: Set<[UInt8]> = []
        var queue = start
        var files: [[UInt8]] = []
        var localPaths: [LocalPathRequirement] = []
        while let file = queue.first {
            queue.removeFirst()
            guard seen.insert(file).inserted, let bytes = try contents(file) else { continue }
            files.append(file)
            let directory = file.lastIndex(of: RawPath.separator).map { Array(file[..<$0]) } ?? []
            for (index, line) in logicalLines(bytes).enumerated() {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let first = words.first else { continue }
                if let include = includeTarget(words) {
                    let joined =
                        include.hasPrefix("/") ? Array(include.utf8) : RawPath.join(directory, Array(include.utf8))
                    queue.append(cleanRelative(joined))
                } else if isLocalPath(first, words) {
                    localPaths.append(LocalPathRequirement(file: RawPath.display(file), line: index + 1, text: line))
                }
            }
        }
        return (files, localPaths)
    }

    /// Lines with comments removed (`#` at the start or after whitespace), CR dropped, trimmed.
    /// Continuation lines are not joined: line numbers stay those of the file.
    static func logicalLines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self)
            .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { raw -> String in
                var line = String(raw)
                if line.hasSuffix("\r") { line.removeLast() }
                if line.hasPrefix("#") { return "" }
                if let comment = line.range(of: " #") ?? line.range(of: "\t#") {
                    line = String(line[..<comment.lowerBound])
                }
                return line.trimmingCharacters(in: " \t")
            }
    }

    private static func includeTarget(_ words: [String]) -> String? {
        let first = words[0]
        for flag in ["-r", "--requirement", "-c", "--constraint"] {
            if first == flag, words.count > 1 { return words[1] }
            if first.hasPrefix(flag + "="), flag.hasPrefix("--") { return String(first.dropFirst(flag.count + 1)) }
            if flag.count == 2, first.hasPrefix(flag), first.count > 2 { return String(first.dropFirst(2)) }
        }
        return nil
    }

    private static func isLocalPath(_ first: String, _ words: [String]) -> Bool {
        let target: String
        if first == "-e" || first == "--editable" {
            guard words.count > 1 else { return false }
            target = words[1]
        } else if first.hasPrefix("--editable=") {
            target = String(first.dropFirst("--editable=".count))
        } else if first.hasPrefix("-e") && first.count > 2 {
            target = String(first.dropFirst(2))
        } else {
            if words.contains("@"), let at = words.firstIndex(of: "@"), at + 1 < words.count {
                return words[at + 1].hasPrefix("file:")
            }
            target = first
        }
        return target == "." || target.hasPrefix("./") || target.hasPrefix("../") || target.hasPrefix("/")
            || target.hasPrefix("file:")
    }

    private static func cleanRelative(_ path: [UInt8]) -> [UInt8] {
        var parts: [ArraySlice<UInt8>] = []
        for part in path.split(separator: RawPath.separator) {
            if part.elementsEqual(".".utf8) { continue }
            if part.elementsEqual("..".utf8) {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return Array(parts.joined(separator: [RawPath.separator]))
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
