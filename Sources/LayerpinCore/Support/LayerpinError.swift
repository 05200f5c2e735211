import LayerpinDockerfile
import LayerpinIgnore

/// Everything the core can fail with. Each case carries the file, path or line it is about;
/// the command line words them for people.
package enum LayerpinError: Error, Sendable {
    /// The ignore file (path relative to the root) has an invalid pattern.
    case invalidIgnoreFile(file: String, IgnoreFileError)
    /// A system call failed on a path of the context (or the root itself).
    case systemCall(operation: String, path: [UInt8], errno: Int32)
    /// A FIFO, socket or device that the build context would include.
    case specialFile(path: [UInt8], kind: SpecialFileKind)
    /// A file kept changing while it was hashed.
    case changedWhileHashing(path: [UInt8])
    /// `--root` is not a directory.
    case notADirectory(path: String)
    /// The configuration (or compose) file is malformed.
    case invalidConfig(file: String, line: Int?, ConfigProblem)
    /// A group matched no entry of the context.
    case emptyGroup(name: String, configured: Bool)
    /// An entry belongs to two groups.
    case overlappingGroups(path: [UInt8], first: String, second: String)
    /// A name the generated `verify.sh` cannot carry safely.
    case unsafeNameForVerifier(path: [UInt8], reason: UnsafeName)
    /// A manifest could not be read.
    case invalidManifest(ManifestError)
    /// An archive could not be written or read (truncated, corrupt, over a limit, hostile).
    case archive(ArchiveProblem, entry: [UInt8]?)
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
    /// `layerpin compose SERVICE` names a service that does not build (or does not exist).
    case unknownComposeService(String, known: [String])
    /// A compose service builds from a URL (git, http): there is no directory to hash.
    case remoteComposeContext(service: String, context: String)
}

/// What is wrong with a configuration or compose file.
package enum ConfigProblem: Sendable, Equatable {
    /// YAML the parser refused (its own description).
    case notYAML(detail: String)
    case notAMapping
    case keyNotString
    case duplicateKey(String)
    case unknownKey(String, known: [String])
    case unknownEcosystem(String)
    case unknownEngine(String)
    case invalidPlatform(String)
    case unknownVerifyMode(String)
    case notASingleValue(key: String)
    case notAStringList(key: String)
    case groupsNotAMapping
    case invalidGroupName(String)
    case reservedGroupName(String)
    case duplicateGroup(String)
    case groupWithoutPatterns(String)
    case invalidGroupPattern(group: String, pattern: String)
    case invalidRuntimePattern(pattern: String, reason: String)
    /// A compose file without `services:`.
    case noServices
}

/// What in a name the generated `verify.sh` cannot carry.
package enum UnsafeName: Sendable, Equatable {
    /// A byte below 0x20, or DEL.
    case controlCharacter(UInt8)
    case singleQuote
    /// ` -> `, the verifier's separator of a symlink and its target.
    case arrow
}

/// An entry kind no build context can hold.
package enum SpecialFileKind: Sendable, Equatable {
    case fifo, socket, characterDevice, blockDevice, other
    /// A git tree entry that is neither a file, a directory nor a symlink (a submodule).
    case gitEntry(type: String, mode: String)
}

/// Why an archive could not be read or written.
package enum ArchiveProblem: Sendable, Equatable {
    /// libarchive's own description (a corrupt header, truncated data, a write that failed).
    case library(String)
    case tooManyEntries(limit: Int)
    case tooManyBytes(limit: Int64)
    case standardInputTooLarge(limit: Int64)
    case leavesRoot
    case hardLinkToUnknownFile
    case truncatedEntry(read: Int64, expected: Int64)
    case missingLayer(String)
    /// `manifest.json` names a layer outside the archive (absolute, or `..` above it).
    case layerOutsideArchive(String)
    case missingIndexedManifest(digest: String)
    case notAnImageArchive
    /// A multi-platform archive without the platform asked for (and the ones it has).
    case noImageForPlatform(String, available: [String])
    /// A multi-platform archive read without naming a platform.
    case severalPlatforms([String])
}
