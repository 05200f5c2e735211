/// A content digest: `sha256:` followed by 64 lower-case hex digits.
///
/// It prints and parses losslessly and codes as a JSON string.
public struct Digest: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The 32 bytes, big-endian in four words: stored inline, so a digest costs no allocation.
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// Wraps 32 raw SHA-256 bytes.
    public init(sha256Bytes bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
        self.init(unsafeBytes: bytes.withUnsafeBytes { $0 })
    }

    /// Wraps the first 32 bytes of a buffer.
    public init(unsafeBytes raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= 32, "a SHA-256 digest has 32 bytes")
        func word(_ index: Int) -> UInt64 {
            UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        words = (word(0), word(1), word(2), word(3))
    }

    /// Parses `sha256:<64 lower-case hex>`; returns nil for anything else.
    public init?(parsing text: String) {
        let prefix = "sha256:"
        guard text.hasPrefix(prefix) else { return nil }
        guard let bytes = Hex.decode(Array(text.utf8.dropFirst(prefix.utf8.count))), bytes.count == 32 else {
            return nil
        }
        self.init(sha256Bytes: bytes)
    }

    /// The 32 raw bytes of the SHA-256.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        func append(_ word: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        append(words.0)
        append(words.1)
        append(words.2)
        append(words.3)
        return out
    }

    public static func == (lhs: Digest, rhs: Digest) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Appends the 64 lower-case hex digits to `out`.
    public func appendHex(to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            writeHex(to: buffer.baseAddress!)
            out.append(contentsOf: buffer)
        }
    }

    /// Writes the 64 lower-case hex digits at `out` (eight digits at a time, no table).
    public func writeHex(to out: UnsafeMutablePointer<UInt8>) {
        func digits(_ half: UInt64) -> UInt64 {
            // Spread the eight nibbles of a 32-bit value over eight bytes (the lowest nibble in the
            // lowest byte), then map 0...9 to "0"... and 10...15 to "a"... in every byte at once.
            var x = half & 0xFFFF_FFFF
            x = (x | x << 16) & 0x0000_FFFF_0000_FFFF
            x = (x | x << 8) & 0x00FF_00FF_00FF_00FF
            x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F
            let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
            // The first digit is the highest nibble: store the value big-endian.
            return (x &+ 0x3030_3030_3030_3030 &+ letters &* 39).bigEndian
        }
        var text = (
            digits(words.0 >> 32), digits(words.0), digits(words.1 >> 32), digits(words.1),
            digits(words.2 >> 32), digits(words.2), digits(words.3 >> 32), digits(words.3)
        )
        withUnsafeBytes(of: &text) { UnsafeMutableRawPointer(out).copyMemory(from: $0.baseAddress!, byteCount: 64) }
    }

    /// The 64 lower-case hex digits.
    public var hex: String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { "sha256:" + hex }

    public static func < (lhs: Digest, rhs: Digest) -> Bool {
        (lhs.words.0, lhs.words.1, lhs.words.2, lhs.words.3) < (rhs.words.0, rhs.words.1, rhs.words.2, rhs.words.3)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = Digest(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a digest (want sha256:<64 lower-case hex>): \(text)")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Hexadecimal, without `String(format:)`: lower case for digests and escapes, upper case for the
/// listing's `%XX` path encoding. The one encoder and decoder of hex digits.
public enum Hex {
    /// Which letters the digits above 9 use; a decoder accepts that case only.
    public enum LetterCase: Sendable { case lower, upper }

    /// Encodes bytes as hex.
    public static func encode(_ bytes: [UInt8], _ letters: LetterCase = .lower) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { append(byte, letters, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the hex of `bytes` to `out`.
    public static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + bytes.count * 2)
        for byte in bytes { append(byte, .lower, to: &out) }
    }

    /// Appends the two digits of one byte.
    public static func append(_ byte: UInt8, _ letters: LetterCase, to out: inout [UInt8]) {
        out.append(digit(byte >> 4, letters))
        out.append(digit(byte & 0x0f, letters))
    }

    /// The digit of a value 0...15 in the given letter case (the inverse of `value(of:_:)`).
    @inlinable public static func digit(_ nibble: UInt8, _ letters: LetterCase) -> UInt8 {
        nibble < 10
            ? UInt8(ascii: "0") + nibble : (letters == .lower ? UInt8(ascii: "a") : UInt8(ascii: "A")) + nibble - 10
    }

    /// Decodes hex; nil for odd length, the other letter case or any other character.
    public static func decode(_ text: [UInt8], _ letters: LetterCase = .lower) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(text.count / 2)
        var index = 0
        while index < text.count {
            guard let high = value(of: text[index], letters), let low = value(of: text[index + 1], letters) else {
                return nil
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// The value of one hex digit in the given letter case.
    public static func value(of digit: UInt8, _ letters: LetterCase) -> UInt8? {
        let letter = letters == .lower ? UInt8(ascii: "a") : UInt8(ascii: "A")
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case letter...(letter + 5): return digit - letter + 10
        default: return nil
        }
    }
}
