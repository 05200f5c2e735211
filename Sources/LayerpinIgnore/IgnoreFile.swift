/// A `.dockerignore` line that is not a valid pattern.
public struct IgnoreFileError: Error, Equatable, Sendable {
    /// 1-based line of the ignore file.
    public var line: Int
    /// The pattern as written (after trimming).
    public var pattern: String
    public var reason: Reason

    public enum Reason: Equatable, Sendable {
        /// `!` with nothing after it.
        case emptyException
        /// A glob that Go's `filepath.Match` rejects: an unterminated or empty `[` class, a bad range,
        /// a trailing `\`.
        case malformedGlob
    }
}

/// Reads a `.dockerignore` file exactly as Docker does (moby/patternmatcher's `ignorefile.ReadAll`
/// followed by `patternmatcher.New`).
///
/// - Lines are split on `\n`; one trailing `\r` is dropped (CRLF files).
/// - A UTF-8 BOM is stripped from the start of a line: of the first, as documented, and of every
///   later one too, as the reference engine (dockerd 20.10) does.
/// - A line whose first byte is `#` is a comment; a `#` after leading whitespace is a pattern.
/// - Surrounding Unicode whitespace is trimmed; empty lines are skipped.
/// - A leading `!` makes an exception (whitespace after it is trimmed too).
/// - The pattern is cleaned like Go's `filepath.Clean` and one leading `/` is dropped.
public enum IgnoreFile {
    /// Parses the bytes of an ignore file into patterns, in file order.
    public static func parse(_ bytes: [UInt8]) throws(IgnoreFileError) -> [IgnorePattern] {
        var patterns: [IgnorePattern] = []
        for (index, rawLine) in lines(of: bytes).enumerated() {
            var line = rawLine[...]
            if line.starts(with: utf8BOM) {
                line = line.dropFirst(utf8BOM.count)
            }
            if line.first == UInt8(ascii: "#") { continue }
            var text = Whitespace.trim(line)
            if text.isEmpty { continue }
            let isException = text.first == UInt8(ascii: "!")
            if isException {
                text = Whitespace.trim(text.dropFirst())
            }
            if !text.isEmpty {
                text = PathClean.clean(Array(text))[...]
                if text.count > 1, text.first == UInt8(ascii: "/") {
                    text = text.dropFirst()
                }
            }
            // What ReadAll hands on: the cleaned pattern, with its "!" put back.
            let readAllOutput = (isException ? [UInt8(ascii: "!")] : []) + Array(text)
            // What patternmatcher.New does with it: trim, clean again, then split off the "!".
            var glob = PathClean.clean(Array(Whitespace.trim(readAllOutput[...])))
            let lineNumber = index + 1
            let written = String(decoding: readAllOutput, as: UTF8.self)
            let exception = glob.first == UInt8(ascii: "!")
            if exception {
                guard glob.count > 1 else {
                    throw IgnoreFileError(line: lineNumber, pattern: written, reason: .emptyException)
                }
                glob.removeFirst()
            }
            guard let pattern = IgnorePattern(glob: glob, isException: exception, line: lineNumber) else {
                throw IgnoreFileError(line: lineNumber, pattern: written, reason: .malformedGlob)
            }
            patterns.append(pattern)
        }
        return patterns
    }

    private static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Splits like Go's `bufio.ScanLines`: on `\n`, dropping one `\r` before it; no final empty line.
    static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            result.append(dropCR(bytes[start..<index]))
            start = index + 1
        }
        if start < bytes.count {
            result.append(dropCR(bytes[start...]))
        }
        return result
    }

    private static func dropCR(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
}

/// Go's `strings.TrimSpace` on bytes: trims Unicode White_Space from both ends.
enum Whitespace {
    static func trim(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var scalars = UTF8Scalars.decode(bytes)
        while let first = scalars.first, isSpace(first.value) { scalars.removeFirst() }
        while let last = scalars.last, isSpace(last.value) { scalars.removeLast() }
        guard let first = scalars.first, let last = scalars.last else { return bytes[bytes.endIndex...] }
        return bytes[first.offset..<(last.offset + last.length)]
    }

    private static func isSpace(_ value: UInt32) -> Bool {
        guard value < 0x110000, let scalar = Unicode.Scalar(value) else { return false }
        return scalar.properties.isWhitespace
    }
}
