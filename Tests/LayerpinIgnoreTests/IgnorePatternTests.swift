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
            ("**foo", "xfoo", false),  // the engine's regular expression, not patternmatcher's later suffix shortcut
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
            // regex metacharacters are literal
            ("a.b", "a.b", true), ("a.b", "axb", false), ("a+(b)|{c}$", "a+(b)|{c}$", true), ("^a", "^a", true),
        ])
    func match(pattern: String, path: String, expected: Bool) throws {
        let compiled = try #require(IgnorePattern(glob: Array(pattern.utf8)))
        #expect(compiled.matches(Array(path.utf8)) == expected)
    }

    @Test("an invalid byte reads as U+FFFD, as in the engine")
    func invalidBytes() throws {
        let star = try #require(IgnorePattern(glob: Array("bad*".utf8)))
        #expect(star.matches([0x62, 0x61, 0x64, 0xFF]))
        let question = try #require(IgnorePattern(glob: Array("?".utf8)))
        #expect(question.matches([0xFF]))
        #expect(!question.matches([0xFF, 0xFE]))
        let literal = try #require(IgnorePattern(glob: [0x62, 0x61, 0x64, 0xFF]))
        #expect(literal.matches([0x62, 0x61, 0x64, 0xFE]))
        #expect(literal.matches(Array("bad\u{FFFD}".utf8)))
        #expect(!literal.matches(Array("bad".utf8)))
    }
}

@Suite("Matching a walk (parents, exceptions, last match wins)")
struct IgnoreMatcherTests {
    private func matcher(_ text: String) throws -> IgnoreMatcher {
        IgnoreMatcher(patterns: try IgnoreFile.parse(Array(text.utf8)))
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
        #expect(excluded(try matcher(patterns), path) == expected)
    }

    @Test("an excluded directory is entered only when an exception can reach inside")
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
