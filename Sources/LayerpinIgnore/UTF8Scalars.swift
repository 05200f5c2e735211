/// One decoded unit of a byte string: a Unicode scalar with its byte offset and length, or one
/// invalid byte (value U+FFFD, length 1), the way Go's range over a string yields them.
struct DecodedScalar: Equatable {
    var value: UInt32
    var offset: Int
    var length: Int
}

enum UTF8Scalars {
    static let replacement: UInt32 = 0xFFFD

    static func decode<C: Collection>(_ bytes: C) -> [DecodedScalar] where C.Element == UInt8, C.Index == Int {
        var result: [DecodedScalar] = []
        result.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            let (length, initial): (Int, UInt32) =
                switch lead {
                case 0x00...0x7F: (1, UInt32(lead))
                case 0xC2...0xDF: (2, UInt32(lead & 0x1F))
                case 0xE0...0xEF: (3, UInt32(lead & 0x0F))
                case 0xF0...0xF4: (4, UInt32(lead & 0x07))
                default: (0, 0)
                }
            var value = initial
            var valid = length > 0 && index + length <= bytes.endIndex
            if valid && length > 1 {
                for continuation in 1..<length {
                    let byte = bytes[index + continuation]
                    guard byte & 0xC0 == 0x80 else {
                        valid = false
                        break
                    }
                    value = value << 6 | UInt32(byte & 0x3F)
                }
                // Reject overlong forms, surrogates and values past U+10FFFF, as Go does.
                let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
                if value < minimum || (0xD800...0xDFFF).contains(value) || value > 0x10FFFF { valid = false }
            }
            if valid {
                result.append(DecodedScalar(value: value, offset: index, length: length))
                index += length
            } else {
                result.append(DecodedScalar(value: replacement, offset: index, length: 1))
                index += 1
            }
        }
        return result
    }

    /// Calls `body` with the scalar values of `bytes` (as `decode` reads them) in a temporary
    /// buffer: no allocation on the heap for short paths, one for long ones.
    static func withValues<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: max(bytes.count, 1)) { buffer in
            var count = 0
            bytes.withUnsafeBufferPointer { input in
                var index = 0
                while index < input.count {
                    let lead = input[index]
                    if lead < 0x80 {  // ASCII, the common case
                        buffer[count] = UInt32(lead)
                        index += 1
                    } else {
                        let scalar = decode(input[index..<min(index + 4, input.count)])[0]
                        buffer[count] = scalar.value
                        index += scalar.length
                    }
                    count += 1
                }
            }
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// UTF-8 bytes of scalar values (U+FFFD for a value that is not a scalar).
    static func encode(_ values: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count)
        for value in values {
            bytes.append(contentsOf: String(Unicode.Scalar(value) ?? "\u{FFFD}").utf8)
        }
        return bytes
    }
}
