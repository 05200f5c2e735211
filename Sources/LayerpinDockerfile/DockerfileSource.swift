/// The bytes a Dockerfile was read from, line by line, so that a rewrite gives back every line it
/// does not change exactly as it was: its line end (`\n`, `\r\n`, or none at the end of the file),
/// a byte order mark, and bytes that are not UTF-8 (a Latin-1 comment or path).
public struct DockerfileSource: Sendable, Equatable {
    /// `EF BB BF` when the file starts with one, else empty.
    public var byteOrderMark: [UInt8]
    /// Each line's bytes, without its line end.
    public var lines: [[UInt8]]
    /// Each line's end: `\n`, `\r\n`, or empty for a last line without one.
    public var endings: [[UInt8]]
    /// Whether some line is not UTF-8: its bytes from 0x80 up are then read as the private-use
    /// characters U+F780…U+F7FF (one per byte), which `encode` turns back into those bytes.
    public var escapesBytes: Bool

    static let privateUseBase: UInt32 = 0xF700

    public init(_ bytes: [UInt8]) {
        var body = bytes[...]
        byteOrderMark = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? [0xEF, 0xBB, 0xBF] : []
        body = body.dropFirst(byteOrderMark.count)
        lines = []
        endings = []
        escapesBytes = false
        while !body.isEmpty {
            let end = body.firstIndex(of: 0x0A)
            var line = body[..<(end ?? body.endIndex)]
            var ending: [UInt8] = end == nil ? [] : [0x0A]
            if end != nil, line.last == 0x0D {
                line = line.dropLast()
                ending = [0x0D, 0x0A]
            }
            lines.append(Array(line))
            endings.append(ending)
            body = end.map { body[body.index(after: $0)...] } ?? body[body.endIndex...]
        }
        escapesBytes = lines.contains { String(validating: $0, as: UTF8.self) == nil }
    }

    /// The lines as text for the parser: UTF-8 where a line is, else one private-use character per
    /// byte from 0x80 up.
    public var text: String {
        var out = ""
        for line in lines {
            if let decoded = String(validating: line, as: UTF8.self) {
                out += decoded
            } else {
                for byte in line {
                    out.unicodeScalars.append(
                        byte < 0x80 ? Unicode.Scalar(byte) : Unicode.Scalar(Self.privateUseBase + UInt32(byte))!)
                }
            }
            out += "\n"
        }
        return out
    }

    /// The line end new lines get: the file's own (`\r\n` when most of its lines end so).
    public var lineEnding: [UInt8] {
        endings.count(where: { $0 == [0x0D, 0x0A] }) > endings.count(where: { $0 == [0x0A] }) ? [0x0D, 0x0A] : [0x0A]
    }

    /// A line of text as bytes: UTF-8, with the private-use characters of escaped bytes turned back.
    public func encode(_ line: String) -> [UInt8] {
        guard escapesBytes else { return Array(line.utf8) }
        var out: [UInt8] = []
        for scalar in line.unicodeScalars {
            if (Self.privateUseBase + 0x80...Self.privateUseBase + 0xFF).contains(scalar.value) {
                out.append(UInt8(scalar.value - Self.privateUseBase))
            } else {
                out += Array(String(scalar).utf8)
            }
        }
        return out
    }
}
