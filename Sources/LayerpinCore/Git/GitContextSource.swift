import LayerpinDigest

/// A build context read from a git commit (`git ls-tree`, `git cat-file --batch`), without a
/// checkout.
struct GitContextSource: ContextSource {
    struct Object {
        var mode: String
        var oid: String
        var size: Int64
    }

    /// Children of each directory path ([] is the root), from `ls-tree -r -t`.
    var children: [[UInt8]: [SourceChild]] = [:]
    /// The blob behind each file and symlink path.
    var objects: [[UInt8]: Object] = [:]
    /// Symlink targets, fetched before the walk.
    var linkTargets: [[UInt8]: [UInt8]] = [:]

    func openRoot() throws(LayerpinError) -> [UInt8] { [] }

    func open(_ entry: ContextEntry) throws(LayerpinError) -> [UInt8] { entry.path }

    /// Lists the tree `treeish` (a commit, or `REV:sub/dir`) in the repository at `directory`.
    init(treeish: String, repository directory: String, runner: ToolRunner) throws(LayerpinError) {
        let listing = try runner.run(
            "git",
            [
                "ls-tree", "--full-tree", "-r", "-t", "-z",
                "--format=%(objectmode) %(objecttype) %(objectname) %(objectsize)%x09%(path)",
                treeish,
            ],
            in: directory, outputLimit: 1 << 30)
        children[[]] = []
        for record in listing.split(separator: 0) {
            guard let tab = record.firstIndex(of: 0x09) else { continue }
            let fields = String(decoding: record[record.startIndex..<tab], as: UTF8.self).split(separator: " ")
            let path = Array(record[(tab + 1)...])
            guard fields.count == 4 else {
                throw .toolFailed(
                    command: "git ls-tree", status: 0, stderrTail: "unexpected line: \(RawPath.display(Array(record)))")
            }
            let mode = String(fields[0])
            let parent = path.lastIndex(of: RawPath.separator).map { Array(path[..<$0]) } ?? []
            let child: SourceChild
            switch mode {
            case "040000":
                child = .entry(ContextEntry(path: path, kind: .directory, mode: 0o40755, size: 0))
                children[path, default: []] = children[path, default: []]
            case "100644", "100755":
                child = .entry(
                    ContextEntry(
                        path: path, kind: .file, mode: mode == "100755" ? 0o100755 : 0o100644,
                        size: Int64(fields[3]) ?? 0))
                objects[path] = Object(mode: mode, oid: String(fields[2]), size: Int64(fields[3]) ?? 0)
            case "120000":
                child = .entry(ContextEntry(path: path, kind: .symlink, mode: 0o120777, size: Int64(fields[3]) ?? 0))
                objects[path] = Object(mode: mode, oid: String(fields[2]), size: Int64(fields[3]) ?? 0)
            default:
                child = .special(path: path, kind: .gitEntry(type: String(fields[1]), mode: mode))
            }
            children[parent, default: []].append(child)
        }
        let symlinks = objects.filter { $0.value.mode == "120000" }
        linkTargets = try Self.readBlobs(symlinks.map { ($0.key, $0.value.oid) }, in: directory, runner: runner)
    }

    func children(
        of directory: [UInt8], path: [UInt8], directoryFound: (ContextEntry) -> Void
    ) throws(LayerpinError) -> [SourceChild] {
        let sorted = (children[directory] ?? []).sorted { $0.path.lexicographicallyPrecedes($1.path) }
        for case .entry(let entry) in sorted where entry.kind == .directory { directoryFound(entry) }
        return sorted
    }

    func close(_ directory: [UInt8]) {}

    func linkTarget(_ path: [UInt8], name: [UInt8], in directory: [UInt8], size: Int64) throws(LayerpinError) -> [UInt8]
    {
        linkTargets[path] ?? []
    }

    func checkReadable(_ path: [UInt8], name: [UInt8], in directory: [UInt8]) throws(LayerpinError) {}

    /// The whole bytes of (small) blobs: symlink targets, ignore and requirement files.
    static func readBlobs(
        _ wanted: [([UInt8], String)], in directory: String, runner: ToolRunner
    ) throws(LayerpinError) -> [[UInt8]: [UInt8]] {
        var results: [[UInt8]: [UInt8]] = [:]
        var body: [UInt8] = []
        try catFile(wanted, in: directory, runner: runner, data: { body += $0 }) { path in
            results[path] = body
            body = []
        }
        return results
    }

    /// The SHA-256 of each blob, hashed as it streams past (never held whole).
    static func hashBlobs(
        _ wanted: [([UInt8], String)], in directory: String, runner: ToolRunner
    ) throws(LayerpinError) -> [[UInt8]: Digest] {
        var results: [[UInt8]: Digest] = [:]
        let hasher = SHA256Hasher()
        try catFile(wanted, in: directory, runner: runner, data: { hasher.update($0) }) { path in
            results[path] = hasher.finalize()
        }
        return results
    }

    /// Streams the blobs `wanted` (path, object id) through `git cat-file --batch`.
    private static func catFile(
        _ wanted: [([UInt8], String)], in directory: String, runner: ToolRunner,
        data: (UnsafeRawBufferPointer) -> Void, finished: ([UInt8]) -> Void
    ) throws(LayerpinError) {
        if wanted.isEmpty { return }
        var parser = BatchParser()
        var index = 0
        let input = Array(wanted.map { $0.1 + "\n" }.joined().utf8)
        try runner.stream("git", ["cat-file", "--batch"], in: directory, input: input) { chunk throws(LayerpinError) in
            try parser.process(chunk, data: data) { () throws(LayerpinError) in
                guard index < wanted.count else {
                    throw .toolFailed(
                        command: "git cat-file --batch", status: 0, stderrTail: "more objects than asked for")
                }
                finished(wanted[index].0)
                index += 1
            }
        }
        guard index == wanted.count else {
            throw .toolFailed(
                command: "git cat-file --batch", status: 0,
                stderrTail: "output ended after \(index) of \(wanted.count) objects")
        }
    }
}

/// Parses `git cat-file --batch` output: `<oid> <type> <size>\n<bytes>\n`, repeated.
struct BatchParser {
    private var header: [UInt8] = []
    private var remaining: Int64 = -1  // -1: reading a header; >= 0: blob bytes left; then one "\n"
    private var awaitingNewline = false

    /// Hands each blob's bytes to `data` and calls `done` after each blob.
    mutating func process(
        _ chunk: UnsafeRawBufferPointer, data: (UnsafeRawBufferPointer) -> Void,
        done: () throws(LayerpinError) -> Void
    ) throws(LayerpinError) {
        var offset = 0
        while offset < chunk.count {
            if awaitingNewline {
                offset += 1  // the "\n" after the blob
                awaitingNewline = false
                try done()
                continue
            }
            if remaining < 0 {
                guard let newline = chunk[offset...].firstIndex(of: 0x0A) else {
                    header += chunk[offset...]
                    return
                }
                header += chunk[offset..<newline]
                offset = newline + 1
                let fields = String(decoding: header, as: UTF8.self).split(separator: " ")
                header = []
                guard fields.count == 3, let size = Int64(fields[2]) else {
                    throw .toolFailed(
                        command: "git cat-file --batch", status: 0,
                        stderrTail: "unexpected header: \(fields.joined(separator: " "))")
                }
                remaining = size
                if remaining == 0 {
                    remaining = -1
                    awaitingNewline = true
                }
                continue
            }
            let take = Int(min(Int64(chunk.count - offset), remaining))
            data(UnsafeRawBufferPointer(rebasing: chunk[offset..<offset + take]))
            offset += take
            remaining -= Int64(take)
            if remaining == 0 {
                remaining = -1
                awaitingNewline = true
            }
        }
    }
}
