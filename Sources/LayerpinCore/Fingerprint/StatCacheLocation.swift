import Foundation
import LayerpinDigest

extension StatCache {
    /// Where a context's stat cache is kept: never inside the build context, so `COPY . .` of a
    /// plain `docker build DIR` never copies it and no walk or lint sees it. In the repository's
    /// `.git/layerpin/` when the context lies in a git work tree whose `.git` is a directory
    /// that the context leaves out (outside it, or excluded by its `.dockerignore`); else in the
    /// user's cache directory (`$XDG_CACHE_HOME/layerpin/`, else `~/.cache/layerpin/`). The file
    /// is named by the context's absolute path, so contexts never share one.
    struct Location: Sendable, Equatable {
        /// An absolute directory (made when the cache is written).
        var directory: String
        var name: String

        var path: String { directory + "/" + name }

        /// The location for the context at `root`; `isExcluded` says whether the context's
        /// `.dockerignore` leaves out a path (relative to the root). Nil when there is none (no
        /// git directory to use and no home).
        static func forContext(
            root: String, environment: [String: String] = ProcessInfo.processInfo.environment,
            isExcluded: ([UInt8]) -> Bool
        ) -> Location? {
            let absolute = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
            let name = "stat-cache." + SHA256Hasher.digest(of: Array(absolute.utf8)).hex.prefix(16)
            var directory = absolute
            while true {
                let candidate = (directory == "/" ? "" : directory) + "/.git"
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) {
                    // A `.git` file (a worktree, a submodule) names a directory elsewhere: not followed.
                    guard isDirectory.boolValue else { break }
                    let inside = directory == absolute
                    if !inside || isExcluded(Array(".git".utf8)) {
                        return Location(directory: candidate + "/layerpin", name: name)
                    }
                    break
                }
                guard directory != "/" else { break }
                directory = (directory as NSString).deletingLastPathComponent
            }
            return userDirectory(environment: environment).map { Location(directory: $0, name: name) }
        }

        /// The user's layerpin cache directory: `$XDG_CACHE_HOME/layerpin`, else
        /// `~/.cache/layerpin`; nil with neither (as an absolute path).
        static func userDirectory(environment: [String: String]) -> String? {
            if let configured = environment["XDG_CACHE_HOME"], configured.hasPrefix("/") {
                return configured + "/layerpin"
            }
            if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/layerpin" }
            return nil
        }
    }
}
