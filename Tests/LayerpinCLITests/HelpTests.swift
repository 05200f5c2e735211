import LayerpinTestSupport
import Testing

/// `--help` of every command, pinned (COLUMNS=100, set by CommandRunner): a wording change is a
/// visible diff, and a stray `\` or a broken line shows at once.
@Suite("--help of every command (the built binary)")
struct HelpTests {
    static let commands = [
        "", "context", "digest", "plan", "args", "check", "diff", "verify", "build", "dockerfile", "lint", "init",
        "hook", "hook install", "compose", "deploy", "doctor",
    ]

    @Test("help text, pinned", arguments: commands)
    func help(command: String) throws {
        let words = command.split(separator: " ").map(String.init)
        let result = try CommandRunner.layerpin(words + ["--help"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(!result.stdoutText.contains("\\\n"), "a line ends in a stray backslash")
        assertSnapshot(
            result.stdoutText,
            named: "help-\(command.isEmpty ? "layerpin" : command.replacingOccurrences(of: " ", with: "-")).txt")
    }
}
