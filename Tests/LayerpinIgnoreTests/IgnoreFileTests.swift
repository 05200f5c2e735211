import LayerpinIgnore
import Testing

@Suite("Reading .dockerignore files")
struct IgnoreFileTests {
    private func globs(_ text: String, _ generation: EngineGeneration = .docker20_10) throws -> [String] {
        try IgnoreFile.parse(Array(text.utf8), generation: generation).map {
            ($0.isException ? "!" : "") + String(decoding: $0.glob, as: UTF8.self)
        }
    }

    @Test(
        "normalisation of lines",
        arguments: [
            ("a\nb\n", ["a", "b"]),
            ("a\r\nb\r\n", ["a", "b"]),  // CRLF
            ("\u{FEFF}a\nb", ["a", "b"]),  // BOM on line 1 stripped
            ("a\n\u{FEFF}b", ["a", "b"]),  // BOM on a later line stripped too, as Docker 20.10 does
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

    @Test("current Docker strips a BOM from the first line only")
    func laterBOM() throws {
        #expect(try globs("\u{FEFF}a\n\u{FEFF}b", .current) == ["a", "\u{FEFF}b"])
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
            ("x\nsrc\\lib\n", 2, .escapedLetterOrDigit(UInt8(ascii: "l"))),
            ("x\na\rb\n", 2, .controlCharacter(0x0D)),  // a lone CR
            ("a\u{7F}", 1, .controlCharacter(0x7F)),
            ("a\n" + String(repeating: "y", count: 65536) + "\n", 2, .lineTooLong),
            ("# " + String(repeating: "y", count: 65536), 1, .lineTooLong),  // comments too
        ])
    func invalid(text: String, line: Int, reason: IgnoreFileError.Reason) {
        for generation in EngineGeneration.allCases {
            do {
                _ = try IgnoreFile.parse(Array(text.utf8), generation: generation)
                Issue.record("accepted for \(generation)")
            } catch {
                #expect(error.line == line)
                #expect(error.reason == reason)
                #expect(error.generation == generation)
            }
        }
    }

    @Test("what only one generation refuses")
    func generationRefusals() throws {
        // A tab: HTTP/2 carries it for 20.10; current Docker's gRPC header refuses it.
        #expect(try globs("a\tb") == ["a\tb"])
        #expect(throws: IgnoreFileError.self) { try globs("a\tb", .current) }
        // A byte past ASCII makes current Docker encode the pattern: its control characters travel.
        #expect(try globs("é\u{1}", .current) == ["é\u{1}"])
        #expect(throws: IgnoreFileError.self) { try globs("é\u{1}") }
        // 20.10's regular expression.
        #expect(try globs("c++", .current) == ["c++"])
        #expect(throws: IgnoreFileError.self) { try globs("c++") }
        #expect(try globs("a\n" + String(repeating: "y", count: 65535)).count == 2)  // the longest line read
    }

    @Test("the line numbers of patterns count comments and blank lines")
    func lineNumbers() throws {
        let patterns = try IgnoreFile.parse(Array("# c\n\na\r\n  b\n".utf8), generation: .current)
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
