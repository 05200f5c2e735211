/// Prints a parsed Dockerfile: `outline` shows the structure (what the golden tests pin); `text`
/// gives the file back with chosen lines replaced or inserted and every other line as it was.
extension Dockerfile {
    /// One line per directive and per instruction, then one per heredoc:
    /// `directive escape=\``, `3-5 RUN --mount=type=cache shell "…"`, `  heredoc EOF -tabs "…"`.
    public var outline: String {
        var out = ""
        for directive in directives { out += "directive \(directive.name)=\(directive.value)\n" }
        for instruction in instructions {
            out += "\(instruction.lines.lowerBound)-\(instruction.lines.upperBound) \(instruction.keyword)"
            for flag in instruction.flags { out += " --\(flag.name)" + (flag.value.map { "=\($0)" } ?? "") }
            switch instruction.arguments {
            case .exec(let words): out += " exec " + words.map(Self.quote).joined(separator: " ")
            case .shell(let text): out += " shell " + Self.quote(text)
            }
            out += "\n"
            for heredoc in instruction.heredocs {
                out +=
                    "  heredoc \(heredoc.delimiter)\(heredoc.stripsTabs ? " -tabs" : "")\(heredoc.quoted ? " quoted" : "") "
                out += Self.quote(heredoc.content) + "\n"
            }
        }
        return out
    }

    /// The file with `replacements` (line number → new lines, possibly none) applied and
    /// `insertions` (line number → lines to put before it; `lines.count + 1` appends), joined
    /// with `\n` and ending in one.
    public func text(replacing replacements: [Int: [String]] = [:], inserting insertions: [Int: [String]] = [:])
        -> String
    {
        var out: [String] = []
        for number in 1...(lines.count + 1) {
            out += insertions[number] ?? []
            guard number <= lines.count else { break }
            out += replacements[number] ?? [lines[number - 1]]
        }
        return out.map { $0 + "\n" }.joined()
    }

    /// `text(replacing:inserting:)` as bytes: every line not replaced exactly as it was read (its
    /// line end, a BOM, bytes that are not UTF-8), new lines with the file's own line end.
    public func bytes(replacing replacements: [Int: [String]] = [:], inserting insertions: [Int: [String]] = [:])
        -> [UInt8]
    {
        guard let source else { return Array(text(replacing: replacements, inserting: insertions).utf8) }
        let ending = source.lineEnding
        var out = source.byteOrderMark
        // The last line written has no line end (the file's last line had none): one comes first.
        var open = false
        func write(_ line: [UInt8], _ end: [UInt8]) {
            if open { out += ending }
            out += line + end
            open = end.isEmpty
        }
        for number in 1...(lines.count + 1) {
            for line in insertions[number] ?? [] { write(source.encode(line), ending) }
            guard number <= lines.count else { break }
            if let replaced = replacements[number] {
                for line in replaced { write(source.encode(line), ending) }
            } else {
                write(source.lines[number - 1], source.endings[number - 1])
            }
        }
        return out
    }

    static func quote(_ text: String) -> String {
        var out = ""
        JSONString.quote(text, into: &out)
        return out
    }
}
