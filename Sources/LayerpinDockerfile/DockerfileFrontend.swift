/// Which Dockerfile frontend reads the file: what differs between the one built into Docker 20.10
/// (BuildKit 0.8) and current Docker's (26.1, BuildKit 0.13), as each engine answered
/// (`Fixtures/dockerfiles*/`, `scripts/check-dockerfile-fixtures`). A file with a `# syntax=`
/// directive is read by the frontend image it names, on either engine: the current rules apply.
public enum DockerfileFrontend: Sendable, Equatable {
    case docker20_10
    case current

    /// Heredocs (`RUN <<EOF`): current Docker's frontend only.
    public var supportsHeredocs: Bool { self == .current }

    /// The flags an instruction takes; any other is refused (`unknown flag`).
    public func flags(of keyword: String) -> Set<String> {
        switch (keyword, self) {
        case ("COPY", .docker20_10): ["from", "chown", "chmod"]
        case ("COPY", .current): ["from", "chown", "chmod", "link"]
        case ("ADD", .docker20_10): ["chown", "chmod"]
        case ("ADD", .current): ["chown", "chmod", "link", "checksum", "keep-git-dir"]
        case ("RUN", .docker20_10): ["mount"]
        case ("RUN", .current): ["mount", "network"]
        case ("FROM", _): ["platform"]
        case ("HEALTHCHECK", .docker20_10): ["interval", "timeout", "start-period", "retries"]
        case ("HEALTHCHECK", .current): ["interval", "timeout", "start-period", "start-interval", "retries"]
        default: []
        }
    }
}
