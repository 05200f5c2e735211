import Foundation
import LayerpinCore
import LayerpinDockerfile
import LayerpinTestSupport
import Testing

/// `Fixtures/pinned/<case>/`: a Dockerfile as it was checked out (CRLF line ends with a heredoc,
/// a BOM, Latin-1 bytes, no final newline) and `expected`, its pin byte for byte.
@Suite("A pin keeps every byte of every line it does not change (Fixtures/pinned)")
struct PinnedBytesTests {
    static let folder = Fixture.directory.appendingPathComponent("pinned")
    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            FileManager.default.fileExists(
                atPath: folder.appendingPathComponent($0).appendingPathComponent("Dockerfile").path)
        }.sorted()
    }

    static func bytes(_ name: String, _ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name).appendingPathComponent(file)))
    }

    static func pin(_ bytes: [UInt8]) throws -> [UInt8] {
        try DockerfilePinner.pin(bytes: bytes, dependencyFiles: ["requirements.txt"], groups: ["deps", "src"])
    }

    /// Lines split at `\n` with the `\n` kept (a `\r` before it stays part of the line).
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            lines.append(bytes[start...index])
            start = index + 1
        }
        if start < bytes.count { lines.append(bytes[start...]) }
        return lines
    }

    @Test("there are cases")
    func haveCases() {
        #expect(Self.cases.count >= 8)
    }

    @Test("the pin is the expected bytes, and pinning it again changes nothing", arguments: cases)
    func golden(name: String) throws {
        let pinned = try Self.pin(try Self.bytes(name, "Dockerfile"))
        #expect(pinned == (try Self.bytes(name, "expected")), "\(String(decoding: pinned, as: UTF8.self))")
        #expect(try Self.pin(pinned) == pinned)
    }

    @Test(
        "every original line is in the pin, byte for byte and in order; the new ones end as the file's do",
        arguments: cases)
    func originalLinesKept(name: String) throws {
        let original = try Self.bytes(name, "Dockerfile")
        let pinned = try Self.pin(original)
        let source = DockerfileSource(original)
        var found = Self.lines(pinned)[...]
        if !source.byteOrderMark.isEmpty {
            #expect(pinned.starts(with: source.byteOrderMark))
            found[found.startIndex] = found[found.startIndex].dropFirst(3)
        }
        let kept = Self.lines(Array(original.dropFirst(source.byteOrderMark.count)))
        // The last original line may have gained a line end (something was added after it).
        var rest = found
        // The one line a pin replaces by design: the user's ENTRYPOINT, wrapped by the verifier.
        for line in kept where !line.starts(with: Array("ENTRYPOINT ".utf8)) {
            guard let at = rest.firstIndex(where: { $0 == line || (line.last != 0x0A && Array($0).starts(with: line)) })
            else {
                Issue.record("\(name): line \(String(decoding: line, as: UTF8.self).debugDescription) lost")
                return
            }
            rest = rest[(at + 1)...]
        }
        for line in kept where line.starts(with: Array("ENTRYPOINT ".utf8)) {
            #expect(
                found.contains { $0.starts(with: Array(#"ENTRYPOINT ["/etc/layerpin/verify.sh", "#.utf8)) },
                "\(name): the ENTRYPOINT is wrapped")
        }
        let ending = source.lineEnding
        for line in found where !kept.contains(line) && line.last == 0x0A {
            #expect(
                Array(line.suffix(ending.count)) == ending, "\(String(decoding: line, as: UTF8.self).debugDescription)")
        }
    }

    @Test("bytes that are not UTF-8 are read as one character each and written back as they were")
    func escapedBytes() throws {
        let latin1: [UInt8] = Array("ENV A=caf".utf8) + [0xE9] + [0x0A]
        let source = DockerfileSource(latin1)
        #expect(source.escapesBytes)
        #expect(source.encode(String(source.text.dropLast())) == Array(latin1.dropLast()))
        #expect(!DockerfileSource(Array("ENV A=café\n".utf8)).escapesBytes)
        let file = try DockerfileParser.parse(bytes: Array("FROM a\r\n".utf8) + latin1)
        #expect(file.instructions.count == 2)
        #expect(file.bytes() == Array("FROM a\r\n".utf8) + latin1)
    }
}
