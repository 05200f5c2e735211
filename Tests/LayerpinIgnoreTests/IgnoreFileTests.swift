import LayerpinIgnore
import Testing

@Suite("Reading .dockerignore files")
struct IgnoreFileTests {
    private func globs(_ text: String) throws -> [String] {
        try IgnoreFile.parse(Array(text.utf8)).map {
            ($0.isException ? "!" : "") + String(decoding: $0.glob, as: UTF8.self)
        }
    }

    @Test(
        "normalisation of lines",
        arguments: [
            ("a\nb\n", ["a", "b"]),
            ("a\r\nb\r\n", ["a", "b"]),  // CRLF
            ("\u{FEFF}a\nb", ["a", "b"]),  // BOM on line 1 stripped
            ("a\n\u{FEFF}b", ["a", "b"]),  // BOM on a later line stripped too, as the engine does
            ("a\nb\u{FEFF}", ["a", "b\u{FEFF}"]),  // not whitespace: kept inside a pattern
            ("#c\n a \n\t\n", ["a"]),  // comment, trimmed, blank
            (" #c", ["#c"]),  // '#' after whitespace is a pattern
            ("\\#c", ["\\#c"]),
            ("! a ", ["!a"]),
            ("./a/../b//c/", ["b/c"]),
            ("/a", ["a"]),
            ("/", ["/"]),
            ("!/a", ["!a"]),
            ("a/.", ["a"]),
            (".", ["."]),
            ("./!a", ["!a"]),  // cleaned to "!a": the matcher takes it as an exception, as Docker does
            ("../a", ["../a"]),
        ])
    func normalisation(text: String, expected: [String]) throws {
        #expect(try globs(text) == expected)
    }

    @Test(
        "invalid patterns name their line",
        arguments: [
            ("a\n!\n", 2, IgnoreFileError.Reason.emptyException),
            ("# c\n\n!   \n", 3, .emptyException),
            ("ok\nfoo[\n", 2, .malformedGlob),
            ("[]\n", 1, .malformedGlob),
            ("a\\", 1, .malformedGlob),
            ("x\ny\n[z-a]", 3, .malformedGlob),
            ("[a-]", 1, .malformedGlob),
        ])
    func invalid(text: String, line: Int, reason: IgnoreFileError.Reason) {
        #expect(throws: IgnoreFileError.self) { try IgnoreFile.parse(Array(text.utf8)) }
        do {
            _ = try IgnoreFile.parse(Array(text.utf8))
        } catch {
            #expect(error.line == line)
            #expect(error.reason == reason)
        }
    }

    @Test("the line numbers of patterns count comments and blank lines")
    func lineNumbers() throws {
        let patterns = try IgnoreFile.parse(Array("# c\n\na\r\n  b\n".utf8))
        #expect(patterns.map(\.line) == [3, 4])
    }
}

@Suite("Path cleaning (Go's path.Clean)")
struct PathCleanTests {
    @Test(arguments: [
        ("", "."), (".", "."), ("a/", "a"), ("a//b", "a/b"), ("./a", "a"), ("a/./b", "a/b"), ("a/../b", "b"),
        ("a/..", "."), ("../a", "../a"), ("../../a/..", "../.."), ("/..", "/"), ("/a/../..", "/"), ("//a", "/a"),
    ])
    func clean(input: String, expected: String) {
        #expect(String(decoding: PathClean.clean(Array(input.utf8)), as: UTF8.self) == expected)
    }
}
