import Foundation
import Testing

/// The house rule: one file makes POSIX calls (`Support/FileSystem.swift`), one makes every
/// libarchive call and one every libcrypto call; the executable's one exit point calls `exit`.
@Suite("System calls have one door")
struct SystemCallTests {
    /// POSIX and libc functions that must not be called outside the door.
    static let calls = [
        "open", "openat", "close", "read", "write", "pread", "pwrite", "unlink", "unlinkat", "rename", "renameat",
        "mkdir", "mkdirat", "rmdir", "stat", "lstat", "fstat", "fstatat", "readlink", "readlinkat", "access",
        "faccessat", "fsync", "fchmod", "chmod", "dup", "dup2", "fcntl", "opendir", "fdopendir", "readdir",
        "closedir", "isatty", "getpid", "signal", "sigaction", "usleep", "sleep", "sysconf", "getenv", "setenv",
        "strerror", "mkstemp", "mkdtemp", "ftruncate", "getcwd", "exit", "_exit", "kill", "waitpid",
    ]

    /// Where each may be called (paths under Sources/).
    static let doors: [String: Set<String>] = [
        "LayerpinCore/Support/FileSystem.swift": Set(calls),
        "LayerpinArchive/LibArchive.swift": Set(calls),
        "LayerpinCLI/LayerpinCommandLine.swift": ["exit"],
    ]

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
    }

    /// `name(` as a free function call: not a method (`.read(`), not a declaration (`func read(`),
    /// and not a function of the same name the file declares itself.
    static func violations(in text: String, allowed: Set<String>) -> [String] {
        // Functions, closures and parameters the file names itself (`func read(`, `let read =`,
        // `read: (String) -> …`).
        let declared = Set(
            text.matches(of: /(?:func|let|var)\s+([A-Za-z_]\w*)/).map { String($0.output.1) }
                + text.matches(of: /([A-Za-z_]\w*):\s*\(/).map { String($0.output.1) })
        var found: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("//") { continue }
            if line.contains("Glibc.") || line.contains("Darwin.") { found.append("\(number + 1): \(code)") }
            for match in line.matches(of: /([A-Za-z_]\w*)\(/) {
                let name = String(match.output.1)
                guard Self.calls.contains(name), !allowed.contains(name), !declared.contains(name) else { continue }
                let before = line[..<match.range.lowerBound]
                if before.last == "." || before.hasSuffix("func ") { continue }
                found.append("\(number + 1): \(name)( in \(code)")
            }
        }
        return found
    }

    @Test("no POSIX call outside FileSystem.swift and the C-library files")
    func oneDoor() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources.path))
        var checked = 0
        var violations: [String] = []
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            let allowed = Self.doors[file] ?? []
            if file == "LayerpinCore/Support/FileSystem.swift" { continue }
            violations += Self.violations(in: text, allowed: allowed).map { "\(file):\($0)" }
            checked += 1
        }
        #expect(checked > 40)
        #expect(violations == [])
    }

    @Test("the check itself sees a free call, and not a method or a declaration")
    func theCheckSees() {
        #expect(Self.violations(in: "let n = read(fd, p, 1)", allowed: []).count == 1)
        #expect(Self.violations(in: "_ = Glibc.close(fd)", allowed: []).count == 1)
        #expect(Self.violations(in: "func f(read: (Int) -> Int) { _ = read(1) }", allowed: []).isEmpty)
        #expect(Self.violations(in: "Output.write(text)", allowed: []).isEmpty)
        #expect(Self.violations(in: "func open() {}\nlet d = open()", allowed: []).isEmpty)
        #expect(Self.violations(in: "// unlink(path) in a comment", allowed: []).isEmpty)
    }
}
