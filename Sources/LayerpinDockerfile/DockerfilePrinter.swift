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

    static func quote(_ text: String) -> String {
        var out = ""
        JSONString.quote(text, into: &out)
        return out
    }
}
