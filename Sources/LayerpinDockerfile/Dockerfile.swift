/// A parsed Dockerfile that keeps every line it came from, so a rewrite touches only the lines
/// it means to.
public struct Dockerfile: Sendable, Equatable {
    /// Parser directives from the top of the file (`syntax`, `escape`, `check`), lower-case keys.
    public var directives: [Directive]
    public var instructions: [Instruction]
    /// The file's lines without their line endings (a BOM dropped), 1-based through `line(_:)`.
    public var lines: [String]
    /// The escape character (`\` or a backtick).
    public var escape: Character
    /// The bytes it was read from, when it was read from bytes (`DockerfileParser.parse(bytes:)`).
    public var source: DockerfileSource?

    public func line(_ number: Int) -> String { lines[number - 1] }

    /// Build stages: the instructions from each `FROM` up to the next.
    public var stages: [Stage] {
        var stages: [Stage] = []
        for (index, instruction) in instructions.enumerated() where instruction.keyword == "FROM" {
            let words = instruction.words
            let name = words.count >= 3 && words[words.count - 2].uppercased() == "AS" ? words.last : nil
            stages.append(Stage(index: stages.count, name: name, image: words.first ?? "", from: index))
        }
        return stages
    }
}

/// A parser directive (`# syntax=…`, `# escape=…`, `# check=…`).
public struct Directive: Sendable, Equatable {
    public var name: String
    public var value: String
    public var line: Int
}

/// A build stage.
public struct Stage: Sendable, Equatable {
    public var index: Int
    public var name: String?
    /// The base image reference (or an earlier stage's name).
    public var image: String
    /// Index of its `FROM` in `Dockerfile.instructions`.
    public var from: Int
}

/// One instruction, with its flags, its arguments in exec (JSON) or shell form, its heredocs,
/// and the lines it spans (continuations, comments inside them and heredoc bodies included).
public struct Instruction: Sendable, Equatable {
    public enum Arguments: Sendable, Equatable {
        /// `["executable", "arg"]`
        case exec([String])
        /// Everything after the keyword and flags, continuation lines joined, as written.
        case shell(String)

        /// No word at all (`HEALTHCHECK` alone, `CMD []`).
        public var isEmpty: Bool {
            switch self {
            case .exec(let words): words.isEmpty
            case .shell(let text): text.allSatisfy { $0 == " " || $0 == "\t" }
            }
        }
    }

    /// A flag such as `--from=build`, `--mount=type=cache,target=/x`, `--link`.
    public struct Flag: Sendable, Equatable {
        public var name: String
        public var value: String?
    }

    /// A here-document: `<<EOF`, `<<-EOF` (leading tabs stripped), `<<"EOF"` / `<<'EOF'` (quoted).
    public struct Heredoc: Sendable, Equatable {
        public var delimiter: String
        public var stripsTabs: Bool
        public var quoted: Bool
        public var content: String
    }

    /// Upper-case keyword (`FROM`, `RUN`, …).
    public var keyword: String
    public var flags: [Flag]
    public var arguments: Arguments
    public var heredocs: [Heredoc]
    /// First and last line (1-based) of the instruction in the file.
    public var lines: ClosedRange<Int>

    /// The value of a flag, if present (`nil` both when absent and when valueless: see `has`).
    public func flag(_ name: String) -> String? {
        flags.first { $0.name == name }?.value
    }

    public func has(flag name: String) -> Bool { flags.contains { $0.name == name } }

    /// The instruction an `ONBUILD` sets up: a stage built `FROM` this one runs it before its own
    /// first instruction (a stage built from that one does not). nil for any other instruction,
    /// and for a trigger the engine refuses only when it runs it (an unknown keyword or flag).
    public func onbuildTrigger(frontend: DockerfileFrontend = .current) -> Instruction? {
        guard keyword == "ONBUILD", case .shell(let text) = arguments else { return nil }
        return try? DockerfileParser.parseInstruction(text, line: lines.lowerBound, frontend: frontend)
    }

    /// The arguments as words: the exec form's strings, or the shell form split on whitespace.
    public var words: [String] {
        switch arguments {
        case .exec(let words): words
        case .shell(let text): text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
    }
}

/// A Dockerfile the parser refuses, naming the line.
public struct DockerfileError: Error, Sendable, Equatable {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}
