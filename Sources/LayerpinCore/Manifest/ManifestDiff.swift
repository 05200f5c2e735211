/// What changed between two manifests: per-file changes, the groups whose digests moved, and the
/// layers that rebuild (a changed group rebuilds its own layer and every layer above it).
package struct ManifestDiff: Sendable {
    package struct FileChange: Sendable, Equatable {
        package enum Change: String, Sendable {
            case added, removed, content, mode, kind, target
        }

        package var change: Change
        package var path: [UInt8]
        /// The group of the entry (the new one, or the old one for a removed entry).
        package var group: String?
    }

    package var files: [FileChange]
    /// Groups whose digest differs (or that exist on one side only), in the new manifest's order.
    package var changedGroups: [String]
    /// The group layers that rebuild, lowest first.
    package var rebuiltLayers: [String]
    package var contextChanged: Bool
    /// The Dockerfile, base, build args or platform changed: every layer rebuilds.
    package var recipeChanged: Bool
    /// The old and new commits, when they differ.
    package var commits: (old: String, new: String)?

    package var isEmpty: Bool { files.isEmpty && changedGroups.isEmpty && !contextChanged && !recipeChanged }

    package init(old: Manifest, new: Manifest) {
        var oldEntries: [[UInt8]: Manifest.Entry] = [:]
        for entry in old.entries { oldEntries[entry.path] = entry }
        var changes: [FileChange] = []
        var seen = Set<[UInt8]>()
        for entry in new.entries {
            seen.insert(entry.path)
            guard let before = oldEntries[entry.path] else {
                changes.append(FileChange(change: .added, path: entry.path, group: entry.group))
                continue
            }
            if before.kind != entry.kind {
                changes.append(FileChange(change: .kind, path: entry.path, group: entry.group))
            } else if entry.kind == .file {
                if before.sha256 != entry.sha256 {
                    changes.append(FileChange(change: .content, path: entry.path, group: entry.group))
                }
                if before.executable != entry.executable {
                    changes.append(FileChange(change: .mode, path: entry.path, group: entry.group))
                }
            } else if entry.kind == .symlink && before.target != entry.target {
                changes.append(FileChange(change: .target, path: entry.path, group: entry.group))
            }
        }
        for entry in old.entries where !seen.contains(entry.path) {
            changes.append(FileChange(change: .removed, path: entry.path, group: entry.group))
        }
        files = changes.sorted { RawPath.precedes($0.path, $1.path) }

        let names =
            new.groups.map(\.name) + old.groups.map(\.name).filter { name in !new.groups.contains { $0.name == name } }
        let changed = names.filter { old.digest(of: $0) != new.digest(of: $0) }
        changedGroups = changed
        recipeChanged = old.recipe != new.recipe
        if recipeChanged {
            rebuiltLayers = new.groups.map(\.name)
        } else if let lowest = new.groups.firstIndex(where: { changed.contains($0.name) }) {
            rebuiltLayers = new.groups[lowest...].map(\.name)
        } else {
            rebuiltLayers = []
        }
        contextChanged = old.context != new.context
        commits = old.commit != new.commit ? (old.commit, new.commit) : nil
    }
}
