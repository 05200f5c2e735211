/// Which Docker sends the build context, and so which `.dockerignore` walk applies. The two differ
/// (see Fixtures/dockerignore/README.md, where every difference is a recorded case):
///
/// - `docker20_10`: the Docker 20.10 CLI with BuildKit (tonistiigi/fsutil and docker's
///   `pkg/fileutils` of 2021). Every pattern is a regular expression; an excluded directory is
///   entered only when an exception's text starts with its path, and is then sent even if nothing
///   below it is.
/// - `current`: Docker 23 and later with buildx (fsutil's filter walk and moby/patternmatcher).
///   Literal patterns compare bytes; an excluded directory is entered when an exception could reach
///   inside it, and sent only when something below it is.
public enum EngineGeneration: String, Sendable, Hashable, CaseIterable {
    case docker20_10 = "20.10"
    case current

    /// The generation a docker CLI of this version sends contexts with (`23.0.1` → current).
    public init(clientVersion: String) {
        let major = Int(clientVersion.prefix { $0.isNumber }) ?? 0
        self = major >= 23 ? .current : .docker20_10
    }
}
