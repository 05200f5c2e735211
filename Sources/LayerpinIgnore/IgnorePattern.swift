/// One compiled `.dockerignore` pattern with patternmatcher's meaning, for one engine generation:
///
/// - `*` matches any run of characters except `/`; `?` one character except `/`;
/// - `**` followed by `/` (or not at the end) matches any number of whole directories, even none;
///   `**` at the end matches everything;
/// - `[...]` is a class as in a regular expression (`^` negates, `a-z` ranges, `\` escapes); a negated
///   class can match `/`, as it does in Docker;
/// - `\x` matches `x` literally; `^` outside a class anchors at the start, as in the engine's
///   regular expression;
/// - everything else is literal. Matching is on UTF-8 scalars; every invalid byte reads as U+FFFD, so
///   it matches any other invalid byte, as it does in the engine (Go's regexp).
///
/// Docker 20.10's matcher is always that regular expression. Current Docker's patternmatcher first
/// sorts a pattern into a shortcut, compared byte by byte with no regular expression at all: a
/// pattern without `* ? [ ] \` is compared whole (`^` and invalid bytes then literal); one ending in
/// `**` after such a prefix is a prefix test; one starting with `**` and otherwise literal is a
/// suffix test (`**foo` matches `xfoo`). Syntax that would have another meaning to either engine's
/// regular expression is refused (`IgnoreFileError.Reason`).
public struct IgnorePattern: Sendable, Hashable {
    /// The cleaned pattern without its `!`.
    public let glob: [UInt8]
    /// True for a `!` exception (re-include).
    public let isException: Bool
    /// 1-based line in the ignore file (0 when the pattern did not come from a file).
    public let line: Int

    /// Number of `/`-separated components of the glob: how deep an ancestor it is tried against.
    let componentCount: Int
    /// How the pattern is compared: a shortcut of current Docker's, or the regular expression.
    private let shortcut: Shortcut?
    private let tokens: [Token]
    /// The literal characters the pattern starts and ends with (tokens that match one fixed
    /// character each): a path that does not start and end with them cannot match, which settles
    /// most paths without running the matcher. `prefix.count + suffix.count <= tokens.count`.
    private let prefix: [UInt32]
    private let suffix: [UInt32]

    /// patternmatcher's byte comparisons, on the pattern's bytes with invalid UTF-8 made U+FFFD (the
    /// engine receives it that way).
    enum Shortcut: Hashable {
        case exact([UInt8])
        case prefix([UInt8])
        /// `**` then the rest: the path ends with the rest, or is the rest without its leading `/`.
        case suffix([UInt8])
    }

    enum Token: Hashable {
        case literal(UInt32)
        case anyButSlash  // ?
        case runButSlash  // *
        case directories  // (.*/)?
        case anything  // .*
        case start  // ^
        case characterClass(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    /// Compiles a cleaned glob; nil when the engine would refuse it.
    public init?(glob: [UInt8], isException: Bool = false, line: Int = 0, generation: EngineGeneration = .current) {
        guard
            let pattern = try? IgnorePattern(
                validating: glob, isException: isException, line: line, generation: generation)
        else { return nil }
        self = pattern
    }

    /// Compiles a cleaned glob, or says why the engine would refuse it (or read it differently).
    public init(validating glob: [UInt8], isException: Bool, line: Int, generation: EngineGeneration)
        throws(IgnoreFileError.Reason)
    {
        let scalars = UTF8Scalars.decode(glob).map(\.value)
        guard GlobSyntax.isValid(scalars) else { throw .malformedGlob }
        if let problem = GlobSyntax.regularExpressionProblem(scalars, generation: generation) { throw problem }
        guard let tokens = Self.compile(scalars) else { throw .malformedGlob }
        self.glob = glob
        self.isException = isException
        self.line = line
        self.componentCount = glob.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).count
        self.tokens = tokens
        self.shortcut = generation == .current ? Self.shortcut(scalars) : nil
        let literals = tokens.map { token -> UInt32? in
            if case .literal(let value) = token { value } else { nil }
        }
        let prefix = Array(literals.prefix { $0 != nil }.map { $0! })
        self.prefix = prefix
        self.suffix = Array(literals.dropFirst(prefix.count).reversed().prefix { $0 != nil }.map { $0! }.reversed())
    }

    /// The shortcut patternmatcher's compile picks for a pattern, nil for its regular expression:
    /// the same scan, keeping only the kind it detects.
    private static func shortcut(_ scalars: [UInt32]) -> Shortcut? {
        enum Kind { case exact, prefix, suffix, expression }
        func char(_ c: Character) -> UInt32 { UInt32(c.asciiValue!) }
        var kind = Kind.exact
        var index = 0
        var step = 0
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            defer { step += 1 }
            switch c {
            case char("*"):
                guard index < scalars.count, scalars[index] == char("*") else {
                    kind = .expression
                    continue
                }
                index += 1
                if index < scalars.count, scalars[index] == slash { index += 1 }
                kind = index >= scalars.count && kind == .exact ? .prefix : .expression
                if step == 0 { kind = .suffix }
            case char("?"), char("["), char("]"):
                kind = .expression
            case char("\\"):
                if index < scalars.count {
                    index += 1
                    kind = .expression
                }
            default:
                break
            }
        }
        let bytes = UTF8Scalars.encode(scalars)
        switch kind {
        case .exact: return .exact(bytes)
        case .prefix: return .prefix(Array(bytes.dropLast(2)))
        case .suffix: return .suffix(Array(bytes.dropFirst(2)))
        case .expression: return nil
        }
    }

    /// Whether a relative `/`-separated path matches this pattern (the pattern alone, no parents).
    public func matches(_ path: [UInt8]) -> Bool {
        if let shortcut { return Self.matches(shortcut, path[...]) }
        return UTF8Scalars.withValues(path) { matches(scalars: $0) }
    }

    /// A shortcut's byte comparison.
    private static func matches(_ shortcut: Shortcut, _ path: ArraySlice<UInt8>) -> Bool {
        switch shortcut {
        case .exact(let bytes): return path.elementsEqual(bytes)
        case .prefix(let bytes): return path.starts(with: bytes)
        case .suffix(let bytes):
            if path.reversed().starts(with: bytes.reversed()) { return true }
            return bytes.first == UInt8(ascii: "/") && path.elementsEqual(bytes.dropFirst())
        }
    }

    /// The same, for a path already decoded into scalars (decode once, try every pattern); `bytes`
    /// are the path's bytes, for a shortcut.
    func matches(scalars text: UnsafeBufferPointer<UInt32>, bytes: ArraySlice<UInt8>) -> Bool {
        if let shortcut { return Self.matches(shortcut, bytes) }
        return matches(scalars: text)
    }

    private func matches(scalars text: UnsafeBufferPointer<UInt32>) -> Bool {
        guard text.count >= prefix.count + suffix.count,
            prefix.indices.allSatisfy({ text[$0] == prefix[$0] }),
            suffix.indices.allSatisfy({ text[text.count - suffix.count + $0] == suffix[$0] })
        else { return false }
        // Literal tokens take exactly one character each: match the rest against the rest.
        let middle = tokens[prefix.count..<tokens.count - suffix.count]
        return Self.match(middle, UnsafeBufferPointer(rebasing: text[prefix.count..<text.count - suffix.count]))
    }

    private static let slash = UInt32(UInt8(ascii: "/"))
    private static let newline = UInt32(UInt8(ascii: "\n"))

    /// The regular-expression translation of the engine's matcher, as tokens: the same scan.
    private static func compile(_ scalars: [UInt32]) -> [Token]? {
        var tokens: [Token] = []
        var index = 0
        func char(_ c: Character) -> UInt32 { UInt32(c.asciiValue!) }

        while index < scalars.count {
            let c = scalars[index]
            index += 1
            switch c {
            case char("*"):
                if index < scalars.count, scalars[index] == char("*") {
                    index += 1
                    if index < scalars.count, scalars[index] == slash { index += 1 }
                    tokens.append(index >= scalars.count ? .anything : .directories)
                } else {
                    tokens.append(.runButSlash)
                }
            case char("?"):
                tokens.append(.anyButSlash)
            case char("\\"):
                if index < scalars.count {
                    tokens.append(.literal(scalars[index]))
                    index += 1
                } else {
                    tokens.append(.literal(c))
                }
            case char("["):
                guard let (token, end) = characterClass(scalars, from: index) else { return nil }
                tokens.append(token)
                index = end
            case char("^"):
                tokens.append(.start)
            default:
                tokens.append(.literal(c))
            }
        }
        return tokens
    }

    /// Reads a validated class body starting just after its `[`; returns the token and the index
    /// just past its `]`.
    private static func characterClass(_ scalars: [UInt32], from start: Int) -> (Token, Int)? {
        func char(_ c: Character) -> UInt32 { UInt32(c.asciiValue!) }
        var index = start
        var negated = false
        if index < scalars.count && scalars[index] == char("^") {
            negated = true
            index += 1
        }
        func member() -> UInt32 {
            if scalars[index] == char("\\") { index += 1 }
            defer { index += 1 }
            return scalars[index]
        }
        var ranges: [ClosedRange<UInt32>] = []
        while index < scalars.count && !(scalars[index] == char("]") && !ranges.isEmpty) {
            let low = member()
            var high = low
            if index + 1 < scalars.count && scalars[index] == char("-") {
                index += 1
                high = member()
            }
            // A reversed range makes Go's regexp refuse the pattern, and the engine's walk fail.
            guard low <= high else { return nil }
            ranges.append(low...high)
        }
        return (.characterClass(negated: negated, ranges: ranges), index + 1)
    }

    /// Whole-string match of tokens against scalars, by dynamic programming (no backtracking
    /// blow-up), over two rows reused for every token.
    private static func match(_ tokens: ArraySlice<Token>, _ text: UnsafeBufferPointer<UInt32>) -> Bool {
        if tokens.isEmpty { return text.isEmpty }
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: 2 * (text.count + 1)) { rows in
            // reachable[j]: the tokens so far can consume exactly text[0..<j].
            var reachable = UnsafeMutableBufferPointer(rebasing: rows[..<(text.count + 1)])
            var next = UnsafeMutableBufferPointer(rebasing: rows[(text.count + 1)...])
            reachable.initialize(repeating: false)
            reachable[0] = true
            for token in tokens {
                next.initialize(repeating: false)
                for start in 0...text.count where reachable[start] {
                    switch token {
                    case .literal(let value):
                        if start < text.count && text[start] == value { next[start + 1] = true }
                    case .anyButSlash:
                        if start < text.count && text[start] != slash { next[start + 1] = true }
                    case .start:
                        if start == 0 { next[start] = true }
                    case .characterClass(let negated, let ranges):
                        if start < text.count {
                            let inClass = ranges.contains { $0.contains(text[start]) }
                            if inClass != negated { next[start + 1] = true }
                        }
                    case .runButSlash:
                        next[start] = true
                        var end = start
                        while end < text.count && text[end] != slash {
                            end += 1
                            next[end] = true
                        }
                    case .anything:
                        next[start] = true
                        var end = start
                        while end < text.count && text[end] != newline {
                            end += 1
                            next[end] = true
                        }
                    case .directories:
                        next[start] = true
                        var end = start
                        while end < text.count && text[end] != newline {
                            end += 1
                            if text[end - 1] == slash { next[end] = true }
                        }
                    }
                }
                swap(&reachable, &next)
            }
            return reachable[text.count]
        }
    }
}

/// The syntax check of Go's `filepath.Match`: every `\` escapes something, every `[` class is
/// closed, non-empty, and made of characters or ranges (`-` and `]` must be escaped where they
/// would start a range member).
enum GlobSyntax {
    /// What an engine's regular expression would read differently from the glob, outside `[...]`
    /// and inside: `\` before a letter or digit (both engines), and on Docker 20.10 an unescaped
    /// `+ ( ) { } |` outside a class.
    static func regularExpressionProblem(_ scalars: [UInt32], generation: EngineGeneration)
        -> IgnoreFileError.Reason?
    {
        func isAlphanumeric(_ value: UInt32) -> Bool {
            value < 0x80
                && (UInt8(value) >= UInt8(ascii: "0") && UInt8(value) <= UInt8(ascii: "9")
                    || UInt8(value) | 0x20 >= UInt8(ascii: "a") && UInt8(value) | 0x20 <= UInt8(ascii: "z"))
        }
        let regularOnly = Set("+(){}|".unicodeScalars.map(\.value))
        var index = 0
        var inClass = false
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if c == UInt32(UInt8(ascii: "\\")), index < scalars.count {
                if isAlphanumeric(scalars[index]) { return .escapedLetterOrDigit(UInt8(scalars[index])) }
                index += 1
            } else if c == UInt32(UInt8(ascii: "[")) && !inClass {
                inClass = true
                // A `]` right after `[` or `[^` is a member, not the end.
                if index < scalars.count, scalars[index] == UInt32(UInt8(ascii: "^")) { index += 1 }
                if index < scalars.count, scalars[index] == UInt32(UInt8(ascii: "]")) { index += 1 }
            } else if c == UInt32(UInt8(ascii: "]")) && inClass {
                inClass = false
            } else if !inClass && generation == .docker20_10 && regularOnly.contains(c) {
                return .regularExpressionSyntax(UInt8(c))
            }
        }
        return nil
    }

    static func isValid(_ scalars: [UInt32]) -> Bool {
        func char(_ c: Character) -> UInt32 { UInt32(c.asciiValue!) }
        var index = 0
        // One range endpoint, Go's getEsc.
        func endpoint() -> Bool {
            guard index < scalars.count, scalars[index] != char("-"), scalars[index] != char("]") else {
                return false
            }
            if scalars[index] == char("\\") {
                index += 1
                guard index < scalars.count else { return false }
            }
            index += 1
            return index < scalars.count
        }
        while index < scalars.count {
            let c = scalars[index]
            index += 1
            if c == char("\\") {
                guard index < scalars.count else { return false }
                index += 1
            } else if c == char("[") {
                if index < scalars.count && scalars[index] == char("^") { index += 1 }
                var ranges = 0
                while true {
                    if index < scalars.count && scalars[index] == char("]") && ranges > 0 {
                        index += 1
                        break
                    }
                    guard endpoint() else { return false }
                    if scalars[index] == char("-") {
                        index += 1
                        guard endpoint() else { return false }
                    }
                    ranges += 1
                }
            }
        }
        return true
    }
}
