import LayerpinIgnore
import Testing

@Suite("Pattern matching (moby/patternmatcher semantics)")
struct IgnorePatternTests {
    @Test(
        "one pattern against one path",
        arguments: [
            // literal and exact
            ("foo", "foo", true), ("foo", "foobar", false), ("foo", "a/foo", false),
            // '*' never crosses '/'
            ("*.txt", "a.txt", true), ("*.txt", "d/a.txt", false), ("*/a.txt", "d/a.txt", true),
            ("*/a.txt", "d/e/a.txt", false), ("foo/*", "foo/x", true), ("foo/*", "foo/x/y", false),
            ("*", "anything", true), ("*", "a/b", false),
            // '?'
            ("?.py", "a.py", true), ("?.py", "ab.py", false), ("a?b", "a/b", false), ("?", "é", true),
            // '**'
            ("**/*.pyc", "a.pyc", true), ("**/*.pyc", "x/y/a.pyc", true), ("**/*.pyc", "x/a.pyo", false),
            ("a/**/b", "a/b", true), ("a/**/b", "a/x/y/b", true), ("a/**/b", "a/xb", false),
            ("**", "a/b/c", true), ("a/**", "a/b", true), ("a/**", "ab", false), ("a**", "ab/c", true),
            ("**/foo", "foo", true), ("**/foo", "x/foo", true), ("**/foo", "xfoo", false),
            ("a/**b", "a/x/b", true), ("a/**b", "a/xb", false),
            // classes
            ("[abc].txt", "b.txt", true), ("[abc].txt", "d.txt", false), ("[a-c]x", "cx", true),
            ("[^a]x", "bx", true), ("[^a]x", "ax", false), ("a[^x]b", "a/b", true),  // negated class crosses '/'
            ("[!a]x", "!x", true), ("[!a]x", "bx", false),  // '!' is not negation
            ("[\\]]", "]", true), ("[é]", "é", true),
            // escapes
            ("\\*", "*", true), ("\\*", "a", false), ("\\[a]", "[a]", true), ("a\\?", "a?", true),
            ("a\\?", "ab", false),
            // literal runs at both ends (checked before the rest) that would overlap on a short path
            ("a*a", "a", false), ("a*a", "aa", true), ("a*a", "aba", true), ("ab*ba", "aba", false),
            ("ab*ba", "abba", true), ("x?x", "xx", false), ("*", "", true), ("a*", "a", true), ("*a", "a", true),
            ("a/*/b", "a//b", true), ("a/*/b", "a/b", false), ("é*é", "é", false), ("é*é", "éé", true),
            // regular-expression characters that both engines escape
            ("a.b", "a.b", true), ("a.b", "axb", false), ("a$", "a$", true), ("a$", "a", false),
        ])
    func match(pattern: String, path: String, expected: Bool) throws {
        for generation in EngineGeneration.allCases {
            let compiled = try #require(IgnorePattern(glob: Array(pattern.utf8), generation: generation))
            #expect(compiled.matches(Array(path.utf8)) == expected, "\(generation)")
        }
    }

    @Test(
        "where the generations differ: 20.10's regular expression, current Docker's shortcuts",
        arguments: [
            // pattern, path, Docker 20.10, current Docker
            ("**foo", "xfoo", false, true),  // current: a suffix test
            ("**foo", "a/xfoo", false, true), ("**foo", "foo", true, true), ("**foo", "foox", false, false),
            ("^a", "^a", false, true),  // current: compared whole, '^' literal; 20.10: an anchor
            ("^a", "a", true, false), ("^a*", "ab", true, true),  // a wildcard makes it an expression on both
            ("foo**", "foobar", true, true), ("foo**", "foo/x", true, true),
        ])
    func generations(pattern: String, path: String, at20_10: Bool, current: Bool) throws {
        let old = try #require(IgnorePattern(glob: Array(pattern.utf8), generation: .docker20_10))
        let new = try #require(IgnorePattern(glob: Array(pattern.utf8), generation: .current))
        #expect(old.matches(Array(path.utf8)) == at20_10)
        #expect(new.matches(Array(path.utf8)) == current)
    }

    @Test("+ ( ) { } | are literal on current Docker and refused for 20.10, which reads them as a regular expression")
    func regularExpressionCharacters() throws {
        let pattern = Array("a+(b)|{c}".utf8)
        #expect(try #require(IgnorePattern(glob: pattern, generation: .current)).matches(pattern))
        #expect(throws: IgnoreFileError.Reason.regularExpressionSyntax(UInt8(ascii: "+"))) {
            try IgnorePattern(validating: pattern, isException: false, line: 1, generation: .docker20_10)
        }
        // Escaped, or inside a class, they mean the character on both.
        for generation in EngineGeneration.allCases {
            let escaped = try #require(IgnorePattern(glob: Array("a\\+[(]".utf8), generation: generation))
            #expect(escaped.matches(Array("a+(".utf8)))
        }
        #expect(throws: IgnoreFileError.Reason.escapedLetterOrDigit(UInt8(ascii: "l"))) {
            try IgnorePattern(validating: Array("src\\lib".utf8), isException: false, line: 1, generation: .current)
        }
    }

    @Test("an invalid byte reads as U+FFFD, as in the engine")
    func invalidBytes() throws {
        for generation in EngineGeneration.allCases {
            let star = try #require(IgnorePattern(glob: Array("bad*".utf8), generation: generation))
            #expect(star.matches([0x62, 0x61, 0x64, 0xFF]))
            let question = try #require(IgnorePattern(glob: Array("?".utf8), generation: generation))
            #expect(question.matches([0xFF]))
            #expect(!question.matches([0xFF, 0xFE]))
            let literal = try #require(IgnorePattern(glob: [0x62, 0x61, 0x64, 0xFF], generation: generation))
            #expect(literal.matches(Array("bad\u{FFFD}".utf8)))
            #expect(!literal.matches(Array("bad".utf8)))
            // 20.10 matches it as an expression, where any invalid byte reads as U+FFFD; current Docker
            // compares the bytes it received, the invalid one already made U+FFFD.
            #expect(literal.matches([0x62, 0x61, 0x64, 0xFE]) == (generation == .docker20_10))
        }
    }
}

@Suite("Matching a walk (parents, exceptions, last match wins)")
struct IgnoreMatcherTests {
    private func matcher(_ text: String, _ generation: EngineGeneration = .docker20_10) throws -> IgnoreMatcher {
        IgnoreMatcher(patterns: try IgnoreFile.parse(Array(text.utf8), generation: generation), generation: generation)
    }

    private func excluded(_ matcher: IgnoreMatcher, _ path: String) -> Bool {
        matcher.isExcluded(Array(path.utf8))
    }

    @Test(
        arguments: [
            ("foo", "foo/bar/baz", true),
            ("foo\n!foo/bar", "foo/bar", false),
            ("foo\n!foo/bar", "foo/baz", true),
            ("!foo/bar\nfoo", "foo/bar", true),  // the last match wins
            ("*\n!src", "src/a.py", false),
            ("*\n!src/*.py", "src/a.py", false),
            ("*\n!src/*.py", "src/a.txt", true),
            ("*.md\n!README.md\nREADME.md", "README.md", true),
            ("docs\n!docs/keep\ndocs/keep/secret", "docs/keep/secret", true),
            ("docs\n!docs/keep\ndocs/keep/secret", "docs/keep/public", false),
            ("a/*", "a/b/c", true),  // ancestor with as many components as the pattern
        ])
    func walk(patterns: String, path: String, expected: Bool) throws {
        for generation in EngineGeneration.allCases {
            #expect(excluded(try matcher(patterns, generation), path) == expected, "\(generation)")
        }
    }

    @Test("current Docker: a directory's matches are handed to its children")
    func inherited() throws {
        let matcher = try matcher("foo\n!foo/**/keep", .current)
        let foo = matcher.verdict(Array("foo".utf8), inherited: .init())
        #expect(foo.excluded)
        let inner = matcher.verdict(Array("foo/a".utf8), inherited: foo.inherited)
        #expect(inner.excluded)
        #expect(!matcher.verdict(Array("foo/a/keep".utf8), inherited: inner.inherited).excluded)
        // An exception with a wildcard may reach anywhere: every excluded directory is entered.
        #expect(matcher.mustEnterExcludedDirectory(Array("foo/a".utf8)))
        #expect(try self.matcher("foo\n!**/keep", .current).mustEnterExcludedDirectory(Array("foo".utf8)))
        // A trailing /** or /* does not count as a wildcard.
        let literal = try self.matcher("foo\n!foo/bar/**", .current)
        #expect(literal.mustEnterExcludedDirectory(Array("foo".utf8)))
        #expect(!literal.mustEnterExcludedDirectory(Array("foo/baz".utf8)))
        #expect(!literal.sendsEnteredDirectories)
    }

    @Test("Docker 20.10: an excluded directory is entered only when an exception's text names it")
    func enteringExcludedDirectories() throws {
        #expect(try !matcher("foo").mustEnterExcludedDirectory(Array("foo".utf8)))
        #expect(try matcher("foo\n!foo/bar").mustEnterExcludedDirectory(Array("foo".utf8)))
        #expect(try !matcher("foo\n!other/bar").mustEnterExcludedDirectory(Array("foo".utf8)))
        #expect(try !matcher("foo\n!foobar/x").mustEnterExcludedDirectory(Array("foo".utf8)))
        // A wildcard exception reaches only where its text names the directory, as in the engine.
        #expect(try !matcher("foo\n!**/*.keep").mustEnterExcludedDirectory(Array("foo".utf8)))
        #expect(try matcher("dir\n!dir/**/*.keep").mustEnterExcludedDirectory(Array("dir".utf8)))
        #expect(try !matcher("dir\n!dir/**/*.keep").mustEnterExcludedDirectory(Array("dir/x".utf8)))
    }
}
