import Foundation
import LayerpinArchive
import LayerpinDigest

extension ImageFileSystem {

    /// Reads a plain tar of a file system (file, or standard input when `path` is `-`); entries
    /// are placed under `prefix` (what `docker cp NAME:/srv/app -` needs: its entries start `app/`).
    package static func readTar(_ path: String, prefix: [UInt8] = [], limits: Limits = Limits()) throws(LayerpinError)
        -> ImageFileSystem
    {
        var system = ImageFileSystem()
        try system.addTar(path, prefix: prefix, limits: limits)
        return system
    }

    /// Adds the entries of a plain tar under `prefix`.
    package mutating func addTar(_ path: String, prefix: [UInt8] = [], limits: Limits = Limits()) throws(LayerpinError)
    {
        let input = try Self.open(path)
        var budget = Budget(limits: limits)
        try LayerpinError.mappingArchiveErrors {
            let reader = try TarReader(fileDescriptor: input.rawValue)
            var layer = ImageFileSystem()
            layer.prefix = prefix
            try layer.apply(layer: reader, budget: &budget)
            stack(layer)
            settleBakedFiles()
        }
    }

    /// Reads a `docker save` archive. Its index (`manifest.json` or `index.json`) may come after the
    /// layers (dockerd 20.10 writes it last), so the archive is read twice; standard input is first
    /// spooled to a file in `spoolDirectory` (default `$TMPDIR`).
    /// With `platform`, the image built for it in a multi-platform archive.
    package static func readImageArchive(
        _ path: String, limits: Limits = Limits(), spoolDirectory: String? = nil, platform: Platform? = nil
    ) throws(LayerpinError) -> ImageFileSystem {
        guard path == "-" else { return try readImageArchive(file: path, limits: limits, platform: platform) }
        let spool = try spoolStandardInput(
            in: spoolDirectory ?? FileSystem.temporaryDirectory, limit: limits.maxBytes)
        return try readImageArchive(file: spool.path, limits: limits, platform: platform)
    }

    /// Reads a `docker save` archive from a file (see `readImageArchive(_:limits:spoolDirectory:)`).
    static func readImageArchive(file: String, limits: Limits, platform: Platform? = nil) throws(LayerpinError)
        -> ImageFileSystem
    {
        try LayerpinError.mappingArchiveErrors {
            // Pass 1: the small JSON documents (index, manifests, config).
            var documents: [[UInt8]: [UInt8]] = [:]
            // dockerd 20.10 writes a layer it already wrote as a symlink to the first copy
            // (`B/layer.tar -> ../A/layer.tar`): each such link, resolved inside the archive.
            var links: [[UInt8]: [UInt8]] = [:]
            var budget = Budget(limits: limits)
            try each(file) { reader, header throws in
                try budget.count(header)
                if header.kind == .symlink, let name = clean(header.path), let target = header.linkTarget,
                    target.first != RawPath.separator,
                    let resolved = clean(
                        Array(
                            name.split(separator: RawPath.separator).dropLast().joined(separator: [RawPath.separator]))
                            + [RawPath.separator] + target)
                {
                    links[name] = resolved
                    return
                }
                guard header.kind == .file, header.size <= 4 << 20 else { return }
                let name = clean(header.path)
                guard let name, isDocument(name) else { return }
                documents[name] = try readAll(reader, entry: header.path, budget: &budget)
            }
            let (layers, configName) = try layerOrder(documents, platform: platform)
            var system = ImageFileSystem()
            if let configName, let config = documents[configName] { system.labels = labels(in: config) }
            // Pass 2: each layer as it comes, by its position.
            // Keyed by name: a `Layers` list may name one blob twice (an empty layer repeated).
            var layerTrees: [[UInt8]: ImageFileSystem] = [:]
            /// The file a layer's name leads to, through at most a few links.
            func stored(_ name: [UInt8]) -> [UInt8] {
                var current = name
                for _ in 0..<8 {
                    guard let next = links[current] else { return current }
                    current = next
                }
                return current
            }
            let wanted = Set(layers.map(stored))
            try each(file) { reader, header throws in
                guard let name = clean(header.path), wanted.contains(name), header.kind == .file else { return }
                var layer = ImageFileSystem()
                layer.recordWhiteouts = true
                try layer.apply(layer: try TarReader(entryOf: reader), budget: &budget)
                layerTrees[name] = layer
            }
            for name in layers {
                guard let layer = layerTrees[stored(name)] else {
                    throw ImageArchiveFailure(problem: .missingLayer(String(decoding: name, as: UTF8.self)))
                }
                system.stack(layer)
            }
            system.settleBakedFiles()
            return system
        }
    }

    /// A tar path relative to the root: `./` and `/` prefixes dropped, cleaned; nil when it leaves
    /// the root (`..` above it).
    static func clean(_ path: [UInt8]) -> [UInt8]? {
        var parts: [ArraySlice<UInt8>] = []
        for part in path.split(separator: RawPath.separator) {
            if part.elementsEqual(".".utf8) { continue }
            if part.elementsEqual("..".utf8) {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return Array(parts.joined(separator: [RawPath.separator]))
    }

    static func isDocument(_ name: [UInt8]) -> Bool {
        let text = String(decoding: name, as: UTF8.self)
        return text.hasSuffix(".json") || text.hasPrefix("blobs/") || text == "repositories"
    }

    /// One image an archive holds: its layer paths in order (bottom first), its config's path,
    /// and the platform its config names.
    struct ArchivedImage {
        var layers: [[UInt8]]
        var config: [UInt8]?
        var platform: Platform?
    }

    /// The layer paths in order (bottom first) and the config path of the image to read: from
    /// `manifest.json` (legacy) and `index.json` → image manifests (OCI, through nested indexes of a
    /// multi-platform image). With `platform`, the image built for it; without, the one image,
    /// or the first of several of one platform — never a guess between platforms.
    static func layerOrder(_ documents: [[UInt8]: [UInt8]], platform wanted: Platform? = nil) throws
        -> ([[UInt8]], [UInt8]?)
    {
        let images = try archivedImages(documents)
        guard !images.isEmpty else { throw ImageArchiveFailure(problem: .notAnImageArchive) }
        let platforms = images.compactMap(\.platform).map(\.description)
        let available = platforms.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let chosen: ArchivedImage
        if let wanted {
            guard let match = images.first(where: { $0.platform == wanted }) else {
                throw ImageArchiveFailure(problem: .noImageForPlatform(wanted.description, available: available))
            }
            chosen = match
        } else {
            guard available.count <= 1 else { throw ImageArchiveFailure(problem: .severalPlatforms(available)) }
            chosen = images[0]
        }
        return (chosen.layers, chosen.config)
    }

    /// Every image the archive's indexes name, legacy entries first; an image named by both
    /// indexes (current Docker writes both) once. Attestation manifests (platform `unknown`) are
    /// no images.
    static func archivedImages(_ documents: [[UInt8]: [UInt8]]) throws -> [ArchivedImage] {
        func decoded<Document: Decodable>(_ type: Document.Type, _ name: [UInt8]) -> Document? {
            documents[name].flatMap { try? JSONDecoder().decode(Document.self, from: Data($0)) }
        }
        func platform(ofConfig name: [UInt8]?) -> Platform? {
            guard let name, let config = decoded(ImagePlatform.self, name), let os = config.os,
                let architecture = config.architecture, os != "unknown", architecture != "unknown"
            else { return nil }
            return Platform(parsing: [os, architecture, config.variant].compactMap { $0 }.joined(separator: "/"))
        }
        var images: [ArchivedImage] = []
        for entry in decoded([SaveManifestEntry].self, Array("manifest.json".utf8)) ?? [] {
            // A layer named outside the archive (absolute, or `..` above it) is refused, never dropped.
            var layers: [[UInt8]] = []
            for name in entry.layers {
                guard !name.hasPrefix("/"), let cleaned = clean(Array(name.utf8)), !cleaned.isEmpty else {
                    throw ImageArchiveFailure(problem: .layerOutsideArchive(name), entry: Array(name.utf8))
                }
                layers.append(cleaned)
            }
            let config = entry.config.flatMap { clean(Array($0.utf8)) }
            images.append(ArchivedImage(layers: layers, config: config, platform: platform(ofConfig: config)))
        }
        func blob(_ digest: String) -> [UInt8] {
            Array(("blobs/" + digest.replacingOccurrences(of: ":", with: "/")).utf8)
        }
        /// The image manifests under one descriptor, through at most a few nested indexes.
        func manifests(_ digest: String, depth: Int) throws -> [OCIManifest] {
            guard let document = decoded(OCIManifest.self, blob(digest)) else {
                throw ImageArchiveFailure(problem: .missingIndexedManifest(digest: digest))
            }
            guard let inner = document.manifests else { return [document] }
            guard depth < 4 else { return [] }
            var found: [OCIManifest] = []
            for descriptor in inner where !descriptor.isAttestation {
                found += try manifests(descriptor.digest, depth: depth + 1)
            }
            return found
        }
        let known = Set(images.compactMap(\.config))
        for descriptor in decoded(OCIManifest.self, Array("index.json".utf8))?.manifests ?? []
        where !descriptor.isAttestation {
            for manifest in try manifests(descriptor.digest, depth: 0) {
                let config = manifest.config.map { blob($0.digest) }
                if let config, known.contains(config) { continue }
                images.append(
                    ArchivedImage(
                        layers: (manifest.layers ?? []).map { blob($0.digest) }, config: config,
                        platform: platform(ofConfig: config)))
            }
        }
        return images
    }

    /// One image of a legacy `docker save` `manifest.json`.
    struct SaveManifestEntry: Decodable {
        var config: String?
        var layers: [String]

        enum CodingKeys: String, CodingKey {
            case config = "Config"
            case layers = "Layers"
        }
    }

    /// An OCI index or image manifest: the fields the reader follows.
    struct OCIManifest: Decodable {
        struct Descriptor: Decodable {
            struct DescribedPlatform: Decodable {
                var os: String?
                var architecture: String?
            }
            var digest: String
            var platform: DescribedPlatform?
            var annotations: [String: String]?

            /// BuildKit's provenance and SBOM manifests: platform `unknown/unknown`, no image.
            var isAttestation: Bool {
                annotations?["vnd.docker.reference.type"] == "attestation-manifest"
                    || (platform?.os == "unknown" && platform?.architecture == "unknown")
            }
        }
        var manifests: [Descriptor]?
        var layers: [Descriptor]?
        var config: Descriptor?
    }

    /// The part of an image config that names its platform.
    struct ImagePlatform: Decodable {
        var os: String?
        var architecture: String?
        var variant: String?
    }

    /// The part of an image config that holds the labels.
    struct ImageConfig: Decodable {
        struct Settings: Decodable {
            var labels: [String: String]?

            enum CodingKeys: String, CodingKey { case labels = "Labels" }
        }
        var config: Settings?
    }

    static func labels(in config: [UInt8]) -> [String: String] {
        (try? JSONDecoder().decode(ImageConfig.self, from: Data(config)))?.config?.labels ?? [:]
    }

    /// The bytes of one entry, every one of them counted against the budget (many small
    /// documents add up: a flood of them must stop at `--max-bytes`, not in memory).
    static func readAll(_ reader: TarReader, entry: [UInt8], budget: inout Budget) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { return out }
            try budget.spend(Int64(count), entry: entry)
            out += buffer[..<count]
        }
    }

    static func each(_ file: String, _ body: (TarReader, ArchiveEntryHeader) throws -> Void) throws {
        let input = try open(file)
        let reader = try TarReader(fileDescriptor: input.rawValue)
        while let header = try reader.next() { try body(reader, header) }
    }

    /// A file named on the command line, or standard input for `-`.
    static func open(_ path: String) throws(LayerpinError) -> FileDescriptor {
        do {
            return try FileSystem.openInput(path)
        } catch {
            throw .systemCall(operation: error.operation, path: Array(path.utf8), errno: error.errno)
        }
    }

    /// Standard input copied into a spool file (at most `limit` bytes).
    static func spoolStandardInput(in directory: String, limit: Int64) throws(LayerpinError) -> SpoolFile {
        do {
            return try FileSystem.spool(in: directory, suffix: ".tar") { descriptor throws(LayerpinError) in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
                defer { buffer.deallocate() }
                var total: Int64 = 0
                while true {
                    let count: Int
                    do throws(FileSystem.CallError) {
                        count = try FileSystem.read(0, into: buffer)
                        if count == 0 { return }
                        try FileSystem.writeAll(descriptor, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    } catch {
                        throw .systemCall(operation: error.operation, path: Array(directory.utf8), errno: error.errno)
                    }
                    total += Int64(count)
                    if total > limit {
                        throw .archive(.standardInputTooLarge(limit: limit), entry: nil)
                    }
                }
            }
        } catch {
            switch error {
            case .system(let call):
                throw .systemCall(operation: call.operation, path: Array(directory.utf8), errno: call.errno)
            case .body(let failure): throw failure
            }
        }
    }
}
