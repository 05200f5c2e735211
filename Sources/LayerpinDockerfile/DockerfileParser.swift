/// Reads a Dockerfile as BuildKit does: parser directives only at the top; `\` or backtick
/// escape; continuation lines, with comments and empty lines inside them dropped; heredocs
/// (several per line, `<<-` and quoted delimiters) for RUN, COPY and ADD; exec (JSON) form, with
/// invalid JSON read as shell form; flags; CRLF and a BOM.
public enum DockerfileParser {
    static let keywords: Set<String> = [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
        "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ]
    static let heredocKeywords: Set<String> = ["RUN", "COPY", "ADD"]

    public static func parse(_ text: String) throws(DockerfileError) -> Dockerfile {
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        // "\r\n" is one Character in Swift: split on both forms explicitly.
        var lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { line -> String in line.hasSuffix("\r") ? String(line.dropLast()) : String(line) }
        if lines.last == "" { lines.removeLast() }

        var directives: [Directive] = []
        var escape: Character = "\\"
        var index = 0
        // Directives: `# key=value` lines at the very top, each key once.
        while index < lines.count, let directive = directive(lines[index], line: index + 1) {
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
                if content.last == escape {
                    logical += content.dropLast()
                    index += 1
                    if index >= lines.count { break }
                    continue
                }
                logical += current
                index += 1
                break
            }
            var instruction = try parseInstruction(logical, line: start + 1)
            // Heredoc bodies follow the instruction's last line.
            if heredocKeywords.contains(instruction.keyword) {
                for marker in heredocMarkers(in: logical) {
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
        return Dockerfile(directives: directives, instructions: instructions, lines: lines, escape: escape)
    }

    private static func directive(_ line: String, line number: Int) -> Directive? {
        guard line.hasPrefix("#") else { return nil }
        let rest = line.dropFirst().drop { $0 == " " || $0 == "\t" }
        guard let equals = rest.firstIndex(of: "=") else { return nil }
        let name = rest[..<equals].trimmingSpaces.lowercased()
        guard ["syntax", "escape", "check"].contains(name), !name.contains(" ") else { return nil }
        return Directive(name: name, value: String(rest[rest.index(after: equals)...]).trimmingSpaces, line: number)
    }

    /// Keyword, flags and arguments of one logical line.
    static func parseInstruction(_ logical: String, line: Int) throws(DockerfileError) -> Instruction {
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
        }
        var text = String(rest)
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        let arguments: Instruction.Arguments
        if text.hasPrefix("["), let words = JSONStringArray.parse(text) {
            arguments = .exec(words)
        } else {
            arguments = .shell(text)
        }
        return Instruction(keyword: keyword, flags: flags, arguments: arguments, heredocs: [], lines: line...line)
    }

    /// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` markers in order (not `<<<`, not inside a word).
    static func heredocMarkers(in text: String) -> [Instruction.Heredoc] {
        var markers: [Instruction.Heredoc] = []
        let characters = Array(text)
        var index = 0
        while index + 2 < characters.count {
            guard characters[index] == "<", characters[index + 1] == "<", index == 0 || characters[index - 1] != "<",
                characters[index + 2] != "<"
            else {
                index += 1
                continue
            }
            var cursor = index + 2
            var stripsTabs = false
            if characters[cursor] == "-" {
                stripsTabs = true
                cursor += 1
            }
            var quoted = false
            var quote: Character?
            if cursor < characters.count, characters[cursor] == "\"" || characters[cursor] == "'" {
                quote = characters[cursor]
                quoted = true
                cursor += 1
            }
            var name = ""
            while cursor < characters.count {
                let character = characters[cursor]
                if let quote, character == quote {
                    cursor += 1
                    break
                }
                guard
                    character.isLetter || character.isNumber || character == "_" || character == "-" || character == "."
                else { break }
                name.append(character)
                cursor += 1
            }
            if !name.isEmpty {
                markers.append(.init(delimiter: name, stripsTabs: stripsTabs, quoted: quoted, content: ""))
            }
            index = cursor
        }
        return markers
    }
}

/// A JSON array of strings (the exec form); nil for anything else, which makes it shell form.
enum JSONStringArray {
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
