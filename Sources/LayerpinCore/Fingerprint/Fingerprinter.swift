import Dispatch
import LayerpinDigest
import LayerpinIgnore
import Synchronization

/// Computes the fingerprint of a build context in a working tree.
package struct Fingerprinter: Sendable {
    /// The context root.
    package var root: String
    /// The Dockerfile (relative to the root unless absolute); selects `<Dockerfile>.dockerignore`.
    package var dockerfile: String?
    /// The configuration file (relative to the root unless absolute); default `layerpin.yaml`.
    package var configFile: String?
    /// The Dockerfile stage to build, over `layerpin.yaml` `target:` (a compose `build.target`, `--target`).
    package var target: String?
    /// The platform to build for, over `layerpin.yaml` `platform:` (`--platform`, a compose
    /// service's `platform:`).
    package var platform: Platform?
    /// The platform when neither names one: `$DOCKER_DEFAULT_PLATFORM` (as the docker CLI and
    /// compose read it), else the engine's where the command builds (`Planner.forEngine`), else
    /// this machine's.
    package var defaultPlatform: Platform = Platform.environmentDefault ?? .host
    /// Whose `.dockerignore` walk to follow.
    package var engine: EngineSelection = .configuredOrDetected
    /// Reuse and refresh the stat cache (`StatCache.Location`: outside the context).
    package var useStatCache: Bool = true
    /// Threads that read and hash files, each its own (`FileSystem.onThreads`): more than the
    /// cores, so that a cold disk (an SD card, a machine after a reboot) has many reads in flight.
    package var workers: Int = FileSystem.requestsInFlight

    package init(root: String, dockerfile: String? = nil, configFile: String? = nil) {
        self.root = root
        self.dockerfile = dockerfile
        self.configFile = configFile
    }

    /// Walks, hashes (through the stat cache) and groups the context.
    package func fingerprint() throws(LayerpinError) -> Fingerprint {
        try fingerprint(in: try OpenDirectory(root))
    }

    /// Walks, hashes and groups the context under an open root.
    func fingerprint(in root: borrowing OpenDirectory) throws(LayerpinError) -> Fingerprint {
        try fingerprint(from: WorkingTreeSource(fingerprinter: self, root: root.rawValue))
    }

    /// The one pipeline of every fingerprint, of a working tree or of git objects: the ignore file
    /// and the configuration read from the source, its entries walked and hashed under them, then
    /// grouped.
    func fingerprint(from source: some FingerprintSource) throws(LayerpinError) -> Fingerprint {
        let config = try loadConfig { path throws(LayerpinError) in try source.read(Array(path.utf8)) }
        let generation = engine.generation(configured: config.engine)
        let (ignoreFile, patterns) = try BuildContext.loadIgnorePatterns(
            dockerfile: dockerfileName, generation: generation
        ) { path throws(LayerpinError) in try source.readIgnoreFile(Array(path.utf8)) }
        let matcher = IgnoreMatcher(patterns: patterns, generation: generation)
        let (hashed, statCacheDamaged) = try source.hashedEntries(matcher: matcher)
        let dockerfileBytes = try source.read(Array(dockerfileName.utf8))
        // Read once, against the entries the digests cover: the layer groups hold what the built
        // stages copy (a file no COPY takes changes no layer), and the manifest's layouts follow it.
        let layout = dockerfileBytes.flatMap { bytes in
            let entries = hashed.lazy.filter { !RawPath.isWithin($0.path, GroupPartition.excludedFromDigests) }
            return ImageLayout.read(
                String(decoding: bytes, as: UTF8.self),
                directories: Set(entries.filter { $0.fingerprint.kind == .directory }.map(\.path)),
                paths: entries.map(\.path), target: target ?? config.target, frontend: generation.dockerfileFrontend)
        }
        let (ecosystem, groups, whole, localPaths) = try GroupPartition.partition(
            entries: consume hashed, copied: layout?.copied, config: config, configFile: configFileName
        ) { path throws(LayerpinError) in
            try source.read(path)
        }
        var fingerprint = Fingerprint(
            ecosystem: ecosystem, groups: groups, context: whole, ignoreFile: ignoreFile,
            localPathRequirements: localPaths, ignore: matcher, config: config,
            dockerfile: dockerfileBytes.map { SHA256Hasher.digest(of: $0) }, layout: layout)
        fingerprint.statCacheDamaged = statCacheDamaged
        fingerprint.target = target ?? config.target
        fingerprint.platform = platform ?? config.platform ?? defaultPlatform
        return fingerprint
    }

    /// The engine generation this fingerprinter's walk follows (the configuration read when it
    /// decides).
    package func generation() throws(LayerpinError) -> EngineGeneration {
        if case .named(let generation) = engine { return generation }
        let root = try OpenDirectory(root)
        let config = try loadConfig { path throws(LayerpinError) in try root.read(Array(path.utf8)) }
        return engine.generation(configured: config.engine)
    }

    var configFileName: String { configFile ?? Config.fileName }
    /// The Dockerfile's path, relative to the root unless absolute.
    package var dockerfileName: String { dockerfile ?? "Dockerfile" }

    /// The configuration, or the default one when the file is absent (an error only when it was named).
    func loadConfig(read: (String) throws(LayerpinError) -> [UInt8]?) throws(LayerpinError) -> Config {
        guard let bytes = try read(configFileName) else {
            if configFile != nil {
                throw .systemCall(operation: "open", path: Array(configFileName.utf8), errno: FileSystem.noSuchFile)
            }
            return Config()
        }
        return try Config.parse(String(decoding: bytes, as: UTF8.self), file: configFileName)
    }

    /// Hashes every file and symlink, the files `cache` does not already know; writes the cache
    /// back when it is on and something changed. The entries are handed over and become the
    /// result's, so none is copied.
    func hash(
        _ walked: consuming [ContextEntry], cache: StatCache, root descriptor: Int32,
        saveTo location: StatCache.Location? = nil
    ) throws(LayerpinError) -> [HashedEntry] {
        var entries = consume walked
        var digests = cache.digests(forSorted: entries)
        let excluded = GroupPartition.excludedFromDigests
        var pending: [Int] = []
        var cacheable = 0
        let jobs = entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                switch entries[index].kind {
                case .directory: break
                case .symlink: digests[index] = SHA256Hasher.digest(of: entries[index].linkTarget ?? [])
                case .file:
                    guard !RawPath.isWithin(entries[index].path, excluded) else { break }
                    cacheable += 1
                    if digests[index] == nil { pending.append(index) }
                }
            }
            return pending.map { index in
                FileHasher.Job(
                    path: entries[index].path,
                    walked: FileSystem.Status(stamp: entries[index].stamp, device: entries[index].device))
            }
        }
        let results = try FileHasher.hash(jobs, root: descriptor, workers: workers)
        for (slot, index) in pending.enumerated() {
            digests[index] = results[slot].digest
            // Record what was actually hashed: the exec bit and size of the bytes read.
            entries[index].stamp = results[slot].status.stamp
        }
        // Rewrite only when something was hashed or a file went away: an unchanged re-run writes nothing.
        if useStatCache, let location, !pending.isEmpty || cache.count != cacheable {
            var next = StatCache()
            for index in entries.indices where entries[index].kind == .file {
                guard let digest = digests[index] else { continue }
                next.append(entries[index].path, StatCache.Record(stamp: entries[index].stamp, digest: digest))
            }
            // The cache only saves time: a read-only tree simply goes without it.
            try? next.write(at: location, contextRoot: descriptor)
        }
        // Each entry moves into its result, popped from the end into its place: its path is
        // neither copied nor released (each would touch the path's reference count, 80,000 times).
        return [HashedEntry](unsafeUninitializedCapacity: entries.count) { buffer, initialized in
            initialized = entries.count
            while var entry = entries.popLast() {
                var path: [UInt8] = []
                swap(&path, &entry.path)
                var linkTarget: [UInt8]? = nil
                swap(&linkTarget, &entry.linkTarget)
                (buffer.baseAddress! + entries.count).initialize(
                    to: HashedEntry(
                        fingerprint: FingerprintEntry(
                            path: path, kind: entry.kind, executable: entry.isExecutable,
                            contentDigest: digests[entries.count]),
                        size: entry.size, linkTarget: linkTarget))
            }
        }
    }
}

/// Where a fingerprint's bytes come from: a working tree, or a commit's git objects.
protocol FingerprintSource {
    /// A small file of the context (ignore file, configuration, requirements, Dockerfile); nil when
    /// it is absent.
    func read(_ path: [UInt8]) throws(LayerpinError) -> [UInt8]?
    /// The ignore file, read as the docker CLI reads it: through a symlink, and nil for a directory.
    func readIgnoreFile(_ path: [UInt8]) throws(LayerpinError) -> [UInt8]?
    /// Every entry Docker would send under `matcher`, in path-byte order, hashed; and whether a
    /// stat cache was found damaged (and so discarded).
    func hashedEntries(matcher: IgnoreMatcher) throws(LayerpinError) -> (entries: [HashedEntry], statCacheDamaged: Bool)
}

/// A working tree under an open root: walked through its descriptor, files hashed through the
/// stat cache (read on another thread while the walk runs).
struct WorkingTreeSource: FingerprintSource {
    var fingerprinter: Fingerprinter
    /// The open root, owned by the caller for as long as this source is used.
    var root: Int32

    func read(_ path: [UInt8]) throws(LayerpinError) -> [UInt8]? {
        try OpenDirectory.read(at: root, path)
    }

    func readIgnoreFile(_ path: [UInt8]) throws(LayerpinError) -> [UInt8]? {
        try OpenDirectory.readIgnoreFile(at: root, path)
    }

    func hashedEntries(matcher: IgnoreMatcher) throws(LayerpinError) -> (entries: [HashedEntry], statCacheDamaged: Bool)
    {
        let cache = Mutex((StatCache(), StatCache.Loaded.absent))
        let loading = DispatchGroup()
        let location =
            fingerprinter.useStatCache
            ? StatCache.Location.forContext(root: fingerprinter.root) { matcher.isExcluded($0) } : nil
        if let location {
            DispatchQueue.global().async(group: loading) {
                let loaded = StatCache.loading(at: location)
                cache.withLock { $0 = loaded }
            }
        }
        defer { loading.wait() }  // before the root descriptor closes, even when the walk fails
        let walker = ContextWalker(
            source: FileSystemSource(rootDirectory: root), matcher: matcher, checkReadable: false,
            threads: FileSystem.requestsInFlight)
        let entries = try walker.walk()
        loading.wait()
        let (loaded, outcome) = cache.withLock { $0 }
        return (try fingerprinter.hash(entries, cache: loaded, root: root, saveTo: location), outcome == .damaged)
    }
}
