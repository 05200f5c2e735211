import Foundation

/// `layerpin doctor`: why a container runs other code than the working tree holds, each cause
/// with its fix.
package struct Doctor: Sendable {
    package struct Diagnosis: Sendable, Equatable {
        /// A short stable name: not-rebuilt, not-recreated, wrong-image, shadowing-mount,
        /// override-file, entrypoint-replaced, stale-checkout, ignored-change, files-differ.
        package var cause: String
        package var detail: String
        package var fix: String
    }

    package var root: String
    package var client: DockerClient
    package var runner: ToolRunner

    package init(root: String, client: DockerClient, runner: ToolRunner = ToolRunner()) {
        self.root = root
        self.client = client
        self.runner = runner
    }

    /// The container of a compose service of this project.
    package func container(forService service: String, project: String) throws(LayerpinError) -> String {
        try client.ping()
        let output = String(
            decoding: try runner.run(
                client.docker,
                [
                    "ps", "-q", "--filter", "label=com.docker.compose.service=\(service)", "--filter",
                    "label=com.docker.compose.project=\(project)",
                ], in: "/"), as: UTF8.self)
        guard let id = output.split(separator: "\n").first else {
            throw .noSuchObject(kind: "container for service", reference: service)
        }
        return String(id)
    }

    /// What doctor examines: a container by name, or the running container of a compose service
    /// of the project at `root`.
    package enum Subject: Sendable {
        case container(String)
        case service(String)
    }

    /// The diagnosis of a subject: the container it came to, every cause, and the verification.
    package func diagnose(_ subject: Subject) throws(LayerpinError)
        -> (container: String, diagnoses: [Diagnosis], report: DeployReport)
    {
        switch subject {
        case .container(let name):
            let (diagnoses, report) = try diagnose(container: name)
            return (name, diagnoses, report)
        case .service(let service):
            let project = Compose(root: root, docker: client.docker).projectName()
            let name = try container(forService: service, project: project)
            let (diagnoses, report) = try diagnose(container: name, repository: "\(project)-\(service)")
            return (name, diagnoses, report)
        }
    }

    /// Every cause found (empty when the container runs exactly the working tree's code). The
    /// expected image is `repository:src-…` (default: the repository the container runs).
    package func diagnose(container: String, repository: String? = nil) throws(LayerpinError)
        -> (diagnoses: [Diagnosis], report: DeployReport)
    {
        guard let info = try client.inspect("container", container) else {
            throw .noSuchObject(kind: "container", reference: container)
        }
        let running = (info["Config"] as? [String: Any])?["Image"] as? String ?? ""
        let planner = Planner(root: root)
        var (expected, fingerprint) = try planner.manifest()
        let repository = repository ?? running.split(separator: ":").first.map(String.init)
        expected.tags = DockerBuild(planner: planner, docker: client.docker, repository: repository).tags(expected)
        let report = try DeployVerifier.verify(
            container: container, expected: expected, givenSource: "the working tree", client: client)
        var found: [Diagnosis] = []
        let labels = (info["Config"] as? [String: Any])?["Labels"] as? [String: String] ?? [:]
        let runningSource = labels[ImageNames.digestLabel(ofGroup: "src")]
        let currentSource = expected.digest(of: "src")?.description
        if let runningSource, let currentSource, runningSource != currentSource {
            var built = false
            for tag in expected.tags where try client.inspect("image", tag) != nil { built = true }
            if built {
                found.append(
                    Diagnosis(
                        cause: "not-recreated",
                        detail:
                            "an image of the current source exists, but the container still runs src \(runningSource)",
                        fix:
                            "recreate it: docker-compose -f docker-compose.yml -f .layerpin/compose.override.yml up -d (after layerpin compose)"
                    ))
            } else {
                found.append(
                    Diagnosis(
                        cause: "not-rebuilt",
                        detail:
                            "the container runs src \(runningSource), the working tree is src \(currentSource), and no image of it exists",
                        fix: "layerpin compose --build (or layerpin build), then up -d with the override"))
            }
        }
        for problem in report.problems {
            if problem.hasPrefix("not recreated") && !found.contains(where: { $0.cause == "not-recreated" }) {
                found.append(
                    Diagnosis(
                        cause: "not-recreated", detail: problem,
                        fix: "docker-compose up -d --force-recreate, or up -d with layerpin's override"))
            } else if problem.hasPrefix("wrong image")
                && !found.contains(where: { ["not-rebuilt", "not-recreated"].contains($0.cause) })
            {
                found.append(
                    Diagnosis(
                        cause: "wrong-image", detail: problem,
                        fix: "run the image layerpin compose names (image: in the override)"))
            } else if problem.contains(" mount (") {
                found.append(
                    Diagnosis(
                        cause: "shadowing-mount", detail: problem,
                        fix:
                            "remove the volume or bind mount over the application path (docker-compose down -v drops anonymous volumes)"
                    ))
            } else if problem.hasPrefix("entrypoint replaced") {
                found.append(
                    Diagnosis(
                        cause: "entrypoint-replaced", detail: problem,
                        fix: "keep ENTRYPOINT [\"/etc/layerpin/verify.sh\"] and pass the command as CMD"))
            }
        }
        for name in Compose.overrideFiles(in: root) {
            found.append(
                Diagnosis(
                    cause: "override-file",
                    detail: "\(name) exists: a plain docker-compose up merges it (bind mounts, another image)",
                    fix: "read it, and name the files with -f so only what you mean is merged"))
        }
        if let head = try? gitLine(["rev-parse", "HEAD"]), let upstream = try? gitLine(["rev-parse", "@{upstream}"]),
            head != upstream
        {
            found.append(
                Diagnosis(
                    cause: "stale-checkout",
                    detail: "HEAD is \(head.prefix(12)), its upstream is \(upstream.prefix(12))",
                    fix: "git pull (or check out the commit you meant to deploy), then rebuild"))
        }
        if let status = try? runner.run(
            "git", ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."], in: root),
            let prefix = try? gitLine(["rev-parse", "--show-prefix"])
        {
            for record in status.split(separator: 0) where record.count > 3 {
                let full = Array(record.dropFirst(3))
                guard full.starts(with: Array(prefix.utf8)) else { continue }
                let path = Array(full.dropFirst(prefix.utf8.count))
                if !RawPath.isWithin(path, StatCache.directory) && fingerprint.ignore.isExcluded(path) {
                    found.append(
                        Diagnosis(
                            cause: "ignored-change",
                            detail: "\(RawPath.display(path)) changed, but .dockerignore keeps it out of the image",
                            fix: "remove its .dockerignore line if the image needs it"))
                    break
                }
            }
        }
        let fileProblems = report.files.mismatches
        if !fileProblems.isEmpty && found.isEmpty {
            found.append(
                Diagnosis(
                    cause: "files-differ",
                    detail: fileProblems.prefix(5).map { "\($0.kind.rawValue) \(RawPath.display($0.path))" }.joined(
                        separator: ", "),
                    fix:
                        "something changed the files inside the container (docker exec, a volume): recreate it from its image"
                ))
        }
        return (found, report)
    }

    private func gitLine(_ arguments: [String]) throws(LayerpinError) -> String {
        String(decoding: try runner.run("git", arguments, in: root), as: UTF8.self).trimmedLine
    }
}
