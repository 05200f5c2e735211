import Foundation

/// What a deployed image or container holds compared with the manifest it should hold: every
/// problem, worded for people, plus the file mismatches.
package struct DeployReport: Sendable {
    /// The manifest checked against (given, or the one the image carries).
    package var manifest: Manifest
    /// Where it came from, for messages.
    package var manifestSource: String
    package var problems: [String] = []
    package var files: VerificationReport

    package var ok: Bool { problems.isEmpty && files.mismatches.isEmpty }
}

/// Verification of images, containers and archives against a manifest.
package enum DeployVerifier {
    /// Checks a file system read from an image or a container: the baked manifest against the
    /// given one, the labels, the files.
    package static func check(_ system: ImageFileSystem, expected given: Manifest?, givenSource: String?)
        throws(LayerpinError) -> DeployReport
    {
        var baked: Manifest?
        if let bytes = system.bakedManifest {
            do {
                baked = try Manifest.read(bytes, file: "/etc/layerpin/manifest.json")
            } catch {
                throw .invalidManifest(error)
            }
        }
        guard let expected = given ?? baked else {
            throw .invalidManifest(
                ManifestError(
                    file: "/etc/layerpin/manifest.json", line: nil, field: nil,
                    message: "the image carries no manifest: give --manifest FILE"))
        }
        var report = DeployReport(
            manifest: expected,
            manifestSource: given == nil ? "/etc/layerpin/manifest.json (in the image)" : givenSource ?? "",
            files: Verifier.verify(system, against: expected))
        if let baked, given != nil, baked.manifestDigest != expected.manifestDigest {
            report.problems.append(
                "manifest: runs commit \(baked.commit) (\(baked.manifestDigest)), expected commit \(expected.commit) (\(expected.manifestDigest))"
            )
        }
        if let label = system.labels[ImageNames.manifestLabel], label != expected.manifestDigest.description {
            report.problems.append("label \(ImageNames.manifestLabel): \(label), expected \(expected.manifestDigest)")
        }
        if let label = system.labels[ImageNames.revisionLabel], label != expected.commit {
            report.problems.append(
                "label org.opencontainers.image.revision: runs commit \(label), expected \(expected.commit)")
        }
        return report
    }

    /// An image in the engine, through `docker save`.
    package static func verify(image reference: String, expected: Manifest?, givenSource: String?, client: DockerClient)
        throws(LayerpinError) -> DeployReport
    {
        guard try client.inspect("image", reference) != nil else {
            throw .noSuchObject(kind: "image", reference: reference)
        }
        let archive = try client.spool(["save", reference])
        return try check(
            try ImageFileSystem.readImageArchive(archive.path), expected: expected, givenSource: givenSource)
    }

    /// A container: its image and labels, whether it runs the tag's current image, its mounts, its
    /// entrypoint, its start-up line, and its files through `docker cp` (what it really holds,
    /// volumes and bind mounts and in-place edits included).
    package static func verify(
        container name: String, expected given: Manifest?, givenSource: String?, client: DockerClient
    )
        throws(LayerpinError) -> DeployReport
    {
        guard let info = try client.inspect("container", name) else {
            throw .noSuchObject(kind: "container", reference: name)
        }
        let config = info["Config"] as? [String: Any] ?? [:]
        let imageID = info["Image"] as? String ?? ""
        let reference = config["Image"] as? String ?? ""
        var system = ImageFileSystem()
        system.labels = config["Labels"] as? [String: String] ?? [:]
        // The baked manifest first: it says which directories to copy out.
        if let manifestTar = try? client.spool(["cp", "\(name):/etc/layerpin/manifest.json", "-"]) {
            try system.addTar(manifestTar.path, prefix: Array("etc/layerpin".utf8))
        }
        var bakedManifest: Manifest?
        if let bytes = system.bakedManifest {
            bakedManifest = try? Manifest.read(bytes, file: "/etc/layerpin/manifest.json")
        }
        guard let layoutSource = given ?? bakedManifest else {
            throw .invalidManifest(
                ManifestError(
                    file: "/etc/layerpin/manifest.json", line: nil, field: nil,
                    message: "the container carries no manifest: give --manifest FILE"))
        }
        for image in layoutSource.coveredDirectories + layoutSource.looseFiles {
            let directory = image.hasSuffix("/") && image.count > 1 ? String(image.dropLast()) : image
            let parent = directory.split(separator: "/").dropLast().joined(separator: "/")
            // A directory the container lacks: every file under it is reported missing.
            guard let tar = try? client.spool(["cp", "\(name):\(directory)", "-"]) else { continue }
            try system.addTar(tar.path, prefix: Array(parent.utf8))
        }
        var report = try check(system, expected: given, givenSource: givenSource)
        // Not recreated: the tag now names another image than the one the container runs.
        if let current = try client.inspect("image", reference), let currentID = current["Id"] as? String,
            currentID != imageID
        {
            report.problems.append(
                "not recreated: the container runs image \(imageID.prefix(19)), but \(reference) is now \(currentID.prefix(19)) (docker compose up -d --force-recreate, or layerpin compose)"
            )
        }
        if !report.manifest.tags.isEmpty, !report.manifest.tags.contains(reference), !reference.hasPrefix("sha256:") {
            report.problems.append(
                "wrong image: the container runs \(reference), the manifest's tag is \(report.manifest.tags.joined(separator: ", "))"
            )
        }
        for mount in info["Mounts"] as? [[String: Any]] ?? [] {
            guard let destination = mount["Destination"] as? String else { continue }
            if let application = ImagePath.shadowed(by: destination, among: report.manifest.layout.map(\.image)) {
                let type = mount["Type"] as? String ?? "mount"
                let source = (mount["Name"] as? String) ?? (mount["Source"] as? String) ?? "?"
                report.problems.append(
                    "a \(type) mount (\(source)) over \(destination) shadows the application files at \(application)")
            }
        }
        let entrypoint = config["Entrypoint"] as? [String] ?? []
        if entrypoint.first != "/etc/layerpin/verify.sh" {
            report.problems.append(
                "entrypoint replaced: \(entrypoint.isEmpty ? "none" : entrypoint.joined(separator: " ")) instead of /etc/layerpin/verify.sh, so no start-up check ran"
            )
        } else if let logs = try? client.logs(name) {
            let lines = logs.split(separator: "\n").filter { $0.hasPrefix("layerpin: commit ") }
            if let last = lines.last, !last.hasPrefix("layerpin: commit \(report.manifest.commit) ") {
                report.problems.append("start-up log: \(last)")
            }
        }
        return report
    }
}
