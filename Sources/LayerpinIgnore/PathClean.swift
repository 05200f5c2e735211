/// Go's `path.Clean` on raw bytes with `/` as the separator: collapses `//`, drops `.` elements,
/// resolves `..` against the element before it (never above a leading `/`), strips a trailing `/`;
/// an empty result is `.`.
public enum PathClean {
    public static func clean(_ path: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/")
        let rooted = path.first == slash
        var elements: [ArraySlice<UInt8>] = []
        var leadingDotDots = 0
        for element in path.split(separator: slash, omittingEmptySubsequences: true) {
            if element.elementsEqual([UInt8(ascii: ".")]) { continue }
            if element.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if !elements.isEmpty {
                    elements.removeLast()
                } else if !rooted {
                    leadingDotDots += 1
                }
                continue
            }
            elements.append(element)
        }
        var out: [UInt8] = rooted ? [slash] : []
        var parts: [[UInt8]] = Array(repeating: Array("..".utf8), count: leadingDotDots)
        parts += elements.map(Array.init)
        for (index, part) in parts.enumerated() {
            if index > 0 { out.append(slash) }
            out += part
        }
        return out.isEmpty ? [UInt8(ascii: ".")] : out
    }
}
