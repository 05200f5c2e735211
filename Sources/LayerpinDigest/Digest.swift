/// A content digest: `sha256:` followed by 64 lower-case hex digits.
///
/// It prints and parses losslessly and codes as a JSON string.
public struct Digest: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The 32 raw bytes of the SHA-256.
    public let bytes: [UInt8]

    /// Wraps 32 raw SHA-256 bytes.
    public init(sha256Bytes bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
        self.bytes = bytes
    }

    /// Parses `sha256:<64 lower-case hex>`; returns nil for anything else.
    public init?(parsing text: String) {
        let prefix = "sha256:"
        guard text.hasPrefix(prefix) else { return nil }
        guard let bytes = Hex.decode(Array(text.utf8.dropFirst(prefix.utf8.count))), bytes.count == 32 else {
            return nil
        }
        self.bytes = bytes
    }

    /// The 64 lower-case hex digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { "sha256:" + hex }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

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

/// Lower-case hexadecimal, without `String(format:)`.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lower-case hex.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the lower-case hex of `bytes` to `out`.
    public static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
    }

    /// Decodes lower-case hex; nil for odd length, upper case or any other character.
    public static func decode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(text.count / 2)
        var index = 0
        while index < text.count {
            guard let high = value(text[index]), let low = value(text[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
