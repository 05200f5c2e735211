/// A `.dockerignore` line that is not a valid pattern.
public struct IgnoreFileError: Error, Equatable, Sendable {
    /// 1-based line of the ignore file.
    public var line: Int
    /// The pattern as written (after trimming).
    public var pattern: String
    public var reason: Reason
    /// The engine generation whose reading refused it.
    public var generation: EngineGeneration

    public enum Reason: Error, Equatable, Sendable {
        /// `!` with nothing after it.
        case emptyException
        /// A glob that Go's `filepath.Match` rejects: an unterminated or empty `[` class, a bad range,
        /// a trailing `\`.
        case malformedGlob
        /// A line of 64 KiB or more: Go's line scanner stops there, and the build fails.
        case lineTooLong
        /// A control character (`\r`, `\u{1}`, on current Docker a tab too) that the engine cannot
        /// carry in the header that sends the patterns, so the build fails.
        case controlCharacter(UInt8)
        /// `\` before a letter or digit: a regular-expression escape to the engine (`\d` a digit,
        /// `\l` an error), never the literal character `filepath.Match` would make of it.
        case escapedLetterOrDigit(UInt8)
        /// `+ ( ) { } |`, which Docker 20.10 reads as regular-expression syntax (`a+b` excludes
        /// `aab`; `(x` fails the build) and current Docker as literal characters: escape it (`\+`)
        /// to mean the same on both.
        case regularExpressionSyntax(UInt8)
    }
}

/// Reads a `.dockerignore` file exactly as Docker does (moby/patternmatcher's `ignorefile.ReadAll`
/// followed by `patternmatcher.New`), for one engine generation.
///
/// - Lines are split on `\n`; one trailing `\r` is dropped (CRLF files); a line of 64 KiB or more
///   is refused.
/// - A UTF-8 BOM is stripped from the start of the first line; Docker 20.10 also ignores one at
///   the start of every later line, current Docker reads it as part of the pattern.
/// - A line whose first byte is `#` is a comment; a `#` after leading whitespace is a pattern.
/// - Surrounding Unicode whitespace is trimmed; empty lines are skipped.
/// - A leading `!` makes an exception (whitespace after it is trimmed too).
/// - The pattern is cleaned like Go's `filepath.Clean` and one leading `/` is dropped.
/// - What the engine refuses is refused, naming the line: see `IgnoreFileError.Reason`.
public enum IgnoreFile {
    /// The longest line Go's `bufio.Scanner` reads by default, its terminator excluded.
    public static let longestLine = 64 * 1024 - 1

    /// Parses the bytes of an ignore file into patterns, in file order.
    public static func parse(_ bytes: [UInt8], generation: EngineGeneration) throws(IgnoreFileError)
        -> [IgnorePattern]
    {
        var patterns: [IgnorePattern] = []
        for (index, rawLine) in lines(of: bytes).enumerated() {
            var line = rawLine[...]
            guard line.count <= longestLine else {
                throw IgnoreFileError(line: index + 1, pattern: "", reason: .lineTooLong, generation: generation)
            }
            if line.starts(with: utf8BOM) && (index == 0 || generation == .docker20_10) {
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
            if let control = unsendable(readAllOutput, generation: generation) {
                throw IgnoreFileError(
                    line: lineNumber, pattern: written, reason: .controlCharacter(control), generation: generation)
            }
            let exception = glob.first == UInt8(ascii: "!")
            if exception {
                guard glob.count > 1 else {
                    throw IgnoreFileError(
                        line: lineNumber, pattern: written, reason: .emptyException, generation: generation)
                }
                glob.removeFirst()
            }
            do {
                patterns.append(
                    try IgnorePattern(
                        validating: glob, isException: exception, line: lineNumber, generation: generation))
            } catch {
                throw IgnoreFileError(line: lineNumber, pattern: written, reason: error, generation: generation)
            }
        }
        return patterns
    }

    private static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The first byte of a pattern that the engine cannot send in its gRPC header: a control
    /// character or DEL. Docker 20.10 sends the pattern as it is, where HTTP/2 allows a tab; current
    /// Docker percent-encodes a pattern with any byte past ASCII and sends the others as they are,
    /// where gRPC allows printable ASCII only.
    private static func unsendable(_ pattern: [UInt8], generation: EngineGeneration) -> UInt8? {
        func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }
        switch generation {
        case .docker20_10:
            return pattern.first { isControl($0) && $0 != UInt8(ascii: "\t") }
        case .current:
            return pattern.contains { $0 >= 0x80 } ? nil : pattern.first(where: isControl)
        }
    }

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
