/// A JSON string literal, as the exec form of a Dockerfile instruction and every JSON document
/// layerpin writes need it: `"` and `\` escaped, `\n`, `\r`, `\t`, other control characters as
/// `\u00XX`, everything else as it is.
public enum JSONString {
    public static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let digits = String(scalar.value, radix: 16)
                out += "\\u00" + (digits.count == 1 ? "0" : "") + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
