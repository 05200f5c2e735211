/// Reads a Dockerfile as BuildKit does: parser directives only at the top; `\` or backtick
/// escape; continuation lines (one escape character at the end; two or more are none), with comments and
/// empty lines inside them dropped; heredocs (a shell word starting `<<`, several per line, `<<-`
/// and quoted delimiters) for RUN, COPY and ADD where the frontend has them; exec (JSON) form for
/// the instructions that take it, with invalid JSON read as shell form and a JSON array of other
/// values refused; flags, each checked against the instruction's; CRLF and a BOM. What the
/// engine refuses is refused with its words: an empty file, one without instructions, a line of
/// 64 KiB or more, a second escape directive, `ENV NAME` without a value, an unknown flag.
public enum DockerfileParser {
    static let keywords: Set<String> = [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ]
    static let heredocKeywords: Set<String> = ["RUN", "COPY", "ADD"]
    /// The instructions whose arguments may be a JSON array (exec form).
    static let jsonKeywords: Set<String> = ["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"]
    /// The longest line the engine reads.
    static let maximumLineLength = 65535

    /// Parses a Dockerfile's bytes and keeps them (`Dockerfile.source`), so that
    /// `Dockerfile.bytes(replacing:inserting:)` gives every line it does not change back as it was.
    public static func parse(bytes: [UInt8], frontend: DockerfileFrontend = .current) throws(DockerfileError)
        -> Dockerfile
    {
        let source = DockerfileSource(bytes)
        guard !source.lines.isEmpty else { throw DockerfileError(line: 1, message: "the Dockerfile cannot be empty") }
        var file = try parse(source.text, frontend: frontend, lineLengths: source.lines.map(\.count))
        file.source = source
        return file
    }

    public static func parse(_ text: String, frontend: DockerfileFrontend = .current) throws(DockerfileError)
        -> Dockerfile
    {
        try parse(text, frontend: frontend, lineLengths: nil)
    }

    /// `lineLengths`: each line's length in the bytes it was read from, when those are not its
    /// text's UTF-8 (escaped bytes take three).
    static func parse(_ text: String, frontend: DockerfileFrontend, lineLengths: [Int]?) throws(DockerfileError)
        -> Dockerfile
    {
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        guard !body.isEmpty else { throw DockerfileError(line: 1, message: "the Dockerfile cannot be empty") }
        // "\r\n" is one Character in Swift: split on both forms explicitly.
        var lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { line -> String in line.hasSuffix("\r") ? String(line.dropLast()) : String(line) }
        if lines.last == "" { lines.removeLast() }
        let lengths = lineLengths ?? lines.map(\.utf8.count)
        if let long = lengths.firstIndex(where: { $0 > maximumLineLength }) {
            throw DockerfileError(
                line: long + 1, message: "dockerfile line greater than max allowed size of \(maximumLineLength)")
        }

        var directives: [Directive] = []
        var escape: Character = "\\"
        var index = 0
        // Directives: `# key=value` lines at the very top, each key once.
        while index < lines.count, let directive = directive(lines[index], line: index + 1) {
            if directive.name == "escape" && directives.contains(where: { $0.name == "escape" }) {
                throw DockerfileError(line: index + 1, message: "only one escape parser directive can be used")
            }
            guard !directives.contains(where: { $0.name == directive.name }) else { break }
            if directive.name == "escape" {
                guard directive.value == "\\" || directive.value == "`" else {
                    throw DockerfileError(
                        line: index + 1, message: "invalid escape directive '\(directive.value)': use \\ or `")
                }
                escape = Character(directive.value)
            }
            directives.append(directive)
            index += 1
        }

        // A `# syntax=` directive names the frontend image the engine pulls and builds with (a
        // current one: `docker/dockerfile:1.4` has heredocs on Docker 20.10 too).
        let frontend = directives.contains { $0.name == "syntax" } ? .current : frontend
        var instructions: [Instruction] = []
        while index < lines.count {
            let trimmed = lines[index].drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                index += 1
                continue
            }
            let start = index
            // Gather the logical line: continuations end in the escape character.
            var logical = ""
            while true {
                let current = lines[index]
                let stripped = current.drop { $0 == " " || $0 == "\t" }
                if index > start && (stripped.isEmpty || stripped.hasPrefix("#")) {
                    index += 1
                    if index >= lines.count { break }
                    continue
                }
                var content = Substring(current)
                while let last = content.last, last == " " || last == "\t" { content.removeLast() }
                // One escape character at the end continues the line; after another (`C:\\tools\\`,
                // `x\\\`) it does not, as the engine reads it.
                if content.reversed().prefix(while: { $0 == escape }).count == 1 {
                    logical += content.dropLast()
                    index += 1
                    if index >= lines.count { break }
                    continue
                }
                logical += current
                index += 1
                break
            }
            var instruction = try parseInstruction(logical, line: start + 1, frontend: frontend)
            // Heredoc bodies follow the instruction's last line.
            if frontend.supportsHeredocs, heredocKeywords.contains(instruction.keyword) {
                for marker in heredocMarkers(in: logical, escape: escape) {
                    var content: [String] = []
                    var closed = false
                    while index < lines.count {
                        var line = lines[index]
                        index += 1
                        if marker.stripsTabs { line = String(line.drop { $0 == "\t" }) }
                        if line == marker.delimiter {
                            closed = true
                            break
                        }
                        content.append(line)
                    }
                    guard closed else {
                        throw DockerfileError(line: start + 1, message: "heredoc '\(marker.delimiter)' is never closed")
                    }
                    var heredoc = marker
                    heredoc.content = content.map { $0 + "\n" }.joined()
                    instruction.heredocs.append(heredoc)
                }
            }
            instruction.lines = (start + 1)...index
            instructions.append(instruction)
        }
        guard !instructions.isEmpty else { throw DockerfileError(line: 1, message: "file with no instructions") }
        // Only ARGs may come before the first FROM: anything else belongs to no stage.
        if let stray = instructions.first(where: { $0.keyword != "ARG" }), stray.keyword != "FROM" {
            throw DockerfileError(line: stray.lines.lowerBound, message: "no build stage in current context")
        }
        return Dockerfile(directives: directives, instructions: instructions, lines: lines, escape: escape)
    }

    private static func directive(_ line: String, line number: Int) -> Directive? {
        guard line.hasPrefix("#") else { return nil }
        let rest = line.dropFirst().drop { $0 == " " || $0 == "\t" }
        guard let equals = rest.firstIndex(of: "=") else { return nil }
        let name = rest[..<equals].trimmingSpaces.lowercased()
        let value = String(rest[rest.index(after: equals)...]).trimmingSpaces
        // `# escape=` with no value is a comment, as BuildKit reads it.
        guard ["syntax", "escape", "check"].contains(name), !name.contains(" "), !value.isEmpty else { return nil }
        return Directive(name: name, value: value, line: number)
    }

    /// Keyword, flags and arguments of one logical line.
    static func parseInstruction(_ logical: String, line: Int, frontend: DockerfileFrontend = .current)
        throws(DockerfileError) -> Instruction
    {
        var rest = Substring(logical).drop { $0 == " " || $0 == "\t" }
        let keywordEnd = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
        let keyword = rest[..<keywordEnd].uppercased()
        guard keywords.contains(keyword) else {
            throw DockerfileError(line: line, message: "unknown instruction: \(rest[..<keywordEnd])")
        }
        rest = rest[keywordEnd...].drop { $0 == " " || $0 == "\t" }
        var flags: [Instruction.Flag] = []
        if keyword != "ONBUILD" {
            while rest.hasPrefix("--") {
                let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
                let word = rest[rest.index(rest.startIndex, offsetBy: 2)..<end]
                if let equals = word.firstIndex(of: "=") {
                    flags.append(
                        .init(name: String(word[..<equals]), value: String(word[word.index(after: equals)...])))
                } else {
                    flags.append(.init(name: String(word), value: nil))
                }
                rest = rest[end...].drop { $0 == " " || $0 == "\t" }
            }
            let known = frontend.flags(of: keyword)
            if let unknown = flags.first(where: { !known.contains($0.name) }) {
                throw DockerfileError(line: line, message: "unknown flag: \(unknown.name)")
            }
        }
        var text = String(rest)
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        let arguments: Instruction.Arguments
        if jsonKeywords.contains(keyword), text.hasPrefix("[") {
            if let words = JSONStringArray.parse(text) {
                arguments = .exec(words)
            } else if JSONStringArray.isArray(text) {
                throw DockerfileError(
                    line: line, message: "when using JSON array syntax, arrays must be comprised of strings only")
            } else {
                arguments = .shell(text)
            }
        } else {
            arguments = .shell(text)
        }
        if keyword == "ENV", case .shell(let text) = arguments, !text.contains("="),
            text.split(whereSeparator: { $0 == " " || $0 == "\t" }).count < 2
        {
            throw DockerfileError(line: line, message: "ENV must have two arguments")
        }
        if keyword == "HEALTHCHECK", arguments.isEmpty {
            throw DockerfileError(line: line, message: "HEALTHCHECK requires at least one argument")
        }
        if keyword == "ONBUILD" {
            // As both engines refuse them when the file is read (any other trigger, an unknown
            // keyword or flag included, fails only when a stage built FROM this one runs it).
            guard !arguments.isEmpty else {
                throw DockerfileError(line: line, message: "ONBUILD requires at least one argument")
            }
            let trigger = text.prefix { $0 != " " && $0 != "\t" }.uppercased()
            if trigger == "ONBUILD" {
                throw DockerfileError(line: line, message: "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            }
            if trigger == "FROM" || trigger == "MAINTAINER" {
                throw DockerfileError(line: line, message: "\(trigger) isn't allowed as an ONBUILD trigger")
            }
        }
        return Instruction(keyword: keyword, flags: flags, arguments: arguments, heredocs: [], lines: line...line)
    }

    /// The heredocs a line opens, as BuildKit finds them: each shell word (quotes and escapes kept
    /// as written) of the form `[N]<<[-]NAME`, NAME one word once its quotes are removed (`<<EOF`,
    /// `<<-EOF`, `<<"EOF"`, `3<<EOF`). A `<<` inside a word (`$((1<<3))`, `cat<<EOF`), inside
    /// quotes (`"<<EOF"`) or in JSON (`["cat <<EOF"]`) opens none.
    static func heredocMarkers(in text: String, escape: Character = "\\") -> [Instruction.Heredoc] {
        rawWords(text, escape: escape).compactMap { word -> Instruction.Heredoc? in
            var rest = Substring(word).drop { $0.isASCII && $0.isNumber }
            guard rest.hasPrefix("<<") else { return nil }
            rest = rest.dropFirst(2)
            let stripsTabs = rest.hasPrefix("-")
            if stripsTabs { rest = rest.dropFirst() }
            guard !rest.isEmpty, !rest.contains("<") else { return nil }
            let quoted = rest.contains { $0 == "\"" || $0 == "'" }
            let name = String(rest.filter { $0 != "\"" && $0 != "'" })
            guard !name.isEmpty else { return nil }
            return Instruction.Heredoc(delimiter: name, stripsTabs: stripsTabs, quoted: quoted, content: "")
        }
    }

    /// The shell words of a line with their quotes and escapes as written: split at blanks outside
    /// quotes, an escaped character kept with its escape.
    static func rawWords(_ text: String, escape: Character) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                word.append(character)
                escaped = false
            } else if character == escape && quote != "'" {
                word.append(character)
                escaped = true
            } else if let open = quote {
                word.append(character)
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                word.append(character)
                quote = character
            } else if character == " " || character == "\t" {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }
}

/// A JSON array of strings (the exec form); nil for anything else, which makes it shell form.
enum JSONStringArray {
    /// Whether the text is a JSON array of any values (so not shell form, but refused when a value
    /// is not a string).
    static func isArray(_ text: String) -> Bool {
        var parser = JSONShape(Array(text.utf8))
        return parser.array() && parser.atEnd
    }

    static func parse(_ text: String) -> [String]? {
        let characters = Array(text.unicodeScalars)
        var index = 0
        func skip() { while index < characters.count, [" ", "\t"].contains(characters[index]) { index += 1 } }
        guard characters.first == "[" else { return nil }
        index = 1
        skip()
        var words: [String] = []
        if index < characters.count, characters[index] == "]" {
            index += 1
            skip()
            return index == characters.count ? [] : nil
        }
        while true {
            skip()
            guard index < characters.count, characters[index] == "\"" else { return nil }
            index += 1
            var word = String.UnicodeScalarView()
            while true {
                guard index < characters.count else { return nil }
                let scalar = characters[index]
                index += 1
                if scalar == "\"" { break }
                if scalar == "\\" {
                    guard index < characters.count else { return nil }
                    let escaped = characters[index]
                    index += 1
                    switch escaped {
                    case "\"", "\\", "/": word.append(escaped)
                    case "n": word.append("\n")
                    case "t": word.append("\t")
                    case "r": word.append("\r")
                    case "b": word.append("\u{08}")
                    case "f": word.append("\u{0C}")
                    case "u":
                        guard index + 4 <= characters.count,
                            let value = UInt32(
                                String(String.UnicodeScalarView(characters[index..<index + 4])), radix: 16),
                            let scalar = Unicode.Scalar(value)
                        else { return nil }
                        word.append(scalar)
                        index += 4
                    default: return nil
                    }
                } else {
                    word.append(scalar)
                }
            }
            words.append(String(word))
            skip()
            guard index < characters.count else { return nil }
            if characters[index] == "," {
                index += 1
                continue
            }
            guard characters[index] == "]" else { return nil }
            index += 1
            skip()
            return index == characters.count ? words : nil
        }
    }
}

extension Substring {
    var trimmingSpaces: String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}

extension String {
    var trimmingSpaces: String { Substring(self).trimmingSpaces }
}

/// A recogniser of JSON values (RFC 8259), for telling a JSON array from shell text.
struct JSONShape {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skip()
            return index == bytes.count
        }
    }

    mutating func skip() { while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 } }

    mutating func take(_ byte: UInt8) -> Bool {
        skip()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func array() -> Bool { sequence(open: UInt8(ascii: "["), close: UInt8(ascii: "]")) { $0.value() } }

    mutating func object() -> Bool {
        sequence(open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { shape in
            shape.skip()
            return shape.string() && shape.take(UInt8(ascii: ":")) && shape.value()
        }
    }

    mutating func sequence(open: UInt8, close: UInt8, element: (inout JSONShape) -> Bool) -> Bool {
        guard take(open) else { return false }
        if take(close) { return true }
        repeat {
            guard element(&self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(close)
    }

    mutating func value() -> Bool {
        skip()
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "\""): return string()
        default:
            for literal in ["true", "false", "null"] where bytes[index...].starts(with: literal.utf8) {
                index += literal.utf8.count
                return true
            }
            return number()
        }
    }

    mutating func string() -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { return true }
            if byte < 0x20 { return false }
            if byte == UInt8(ascii: "\\") {
                guard index < bytes.count else { return false }
                index += bytes[index] == UInt8(ascii: "u") ? 5 : 1
            }
        }
        return false
    }

    mutating func number() -> Bool {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index > start
    }
}
