/// One compiled `.dockerignore` pattern with patternmatcher's meaning:
///
/// - `*` matches any run of characters except `/`; `?` one character except `/`;
/// - `**` followed by `/` (or not at the end) matches any number of whole directories, even none;
///   `**` at the end matches everything;
/// - `[...]` is a class as in a regular expression (`^` negates, `a-z` ranges, `\` escapes); a negated
///   class can match `/`, as it does in Docker;
/// - `\x` matches `x` literally;
/// - everything else is literal. Matching is on UTF-8 scalars; every invalid byte reads as U+FFFD, so
///   it matches any other invalid byte, as it does in the engine (Go's regexp).
///
/// This is the matcher of the reference engine (dockerd 20.10's vendored fileutils): always the
/// regular expression, never patternmatcher's later exact/prefix/suffix shortcuts. One deliberate
/// difference: `+ ( ) | { }` are literal here, as in every Docker since, where 20.10 gave them their
/// regular-expression meaning (a bug: `a+b` excluded `aab`).
public struct IgnorePattern: Sendable, Hashable {
    /// The cleaned pattern without its `!`.
    public let glob: [UInt8]
    /// True for a `!` exception (re-include).
    public let isException: Bool
    /// 1-based line in the ignore file (0 when the pattern did not come from a file).
    public let line: Int

    /// Number of `/`-separated components of the glob: how deep an ancestor it is tried against.
    let componentCount: Int
    private let tokens: [Token]
    /// The literal characters the pattern starts and ends with (tokens that match one fixed
    /// character each): a path that does not start and end with them cannot match, which settles
    /// most paths without running the matcher. `prefix.count + suffix.count <= tokens.count`.
    private let prefix: [UInt32]
    private let suffix: [UInt32]

    enum Token: Hashable {
        case literal(UInt32)
        case anyButSlash  // ?
        case runButSlash  // *
        case directories  // (.*/)?
        case anything  // .*
        case characterClass(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    /// Compiles a cleaned glob; nil when Go's `filepath.Match` would call it malformed.
    public init?(glob: [UInt8], isException: Bool = false, line: Int = 0) {
        let scalars = UTF8Scalars.decode(glob).map(\.value)
        guard GlobSyntax.isValid(scalars), let tokens = Self.compile(scalars) else { return nil }
        self.glob = glob
        self.isException = isException
        self.line = line
        self.componentCount = glob.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).count
        self.tokens = tokens
        let literals = tokens.map { token -> UInt32? in
            if case .literal(let value) = token { value } else { nil }
        }
        let prefix = Array(literals.prefix { $0 != nil }.map { $0! })
        self.prefix = prefix
        self.suffix = Array(literals.dropFirst(prefix.count).reversed().prefix { $0 != nil }.map { $0! }.reversed())
    }

    /// Whether a relative `/`-separated path matches this pattern (the pattern alone, no parents).
    public func matches(_ path: [UInt8]) -> Bool {
        UTF8Scalars.withValues(path) { matches(scalars: $0) }
    }

    /// The same, for a path already decoded into scalars (decode once, try every pattern).
    func matches(scalars text: UnsafeBufferPointer<UInt32>) -> Bool {
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
            case char("]"):
                tokens.append(.literal(c))
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
