import LayerpinDockerfile
import LayerpinIgnore

/// Everything the core can fail with. Each case carries the file, path or line it is about;
/// the command line words them for people.
public enum LayerpinError: Error, Sendable {
    /// The ignore file (path relative to the root) has an invalid pattern.
    case invalidIgnoreFile(file: String, IgnoreFileError)
    /// A system call failed on a path of the context (or the root itself).
    case systemCall(operation: String, path: [UInt8], errno: Int32)
    /// A FIFO, socket or device that the build context would include.
    case specialFile(path: [UInt8], kind: String)
    /// A file kept changing while it was hashed.
    case changedWhileHashing(path: [UInt8])
    /// `--root` is not a directory.
    case notADirectory(path: String)
    /// The configuration file is malformed.
    case invalidConfig(file: String, line: Int?, message: String)
    /// A group matched no entry of the context.
    case emptyGroup(name: String, configured: Bool)
    /// An entry belongs to two groups.
    case overlappingGroups(path: [UInt8], first: String, second: String)
    /// A name the generated `verify.sh` cannot carry safely.
    case unsafeNameForVerifier(path: [UInt8], reason: String)
    /// A manifest could not be read.
    case invalidManifest(ManifestError)
    /// An archive could not be written or read (truncated, corrupt, over a limit, hostile).
    case archive(message: String, entry: [UInt8]?)
    /// `docker build` failed (its output went to stderr).
    case buildFailed(command: String, status: Int32)
    /// A Dockerfile the parser refuses.
    case invalidDockerfile(file: String, DockerfileError)
    /// No Docker engine answers (through the docker CLI).
    case engineUnavailable(message: String)
    /// The engine has no such image or container.
    case noSuchObject(kind: String, reference: String)
    /// A git hook exists that layerpin did not write.
    case hookExists(path: String)
    /// An external tool failed (non-zero exit or malformed output).
    case toolFailed(command: String, status: Int32, stderrTail: String)
}
