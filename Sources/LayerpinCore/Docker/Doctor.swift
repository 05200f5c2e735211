import Foundation

/// `layerpin doctor`: why a container runs other code than the working tree holds, each cause
/// with its fix.
package struct Doctor: Sendable {
    package struct Diagnosis: Sendable, Equatable {
        /// A short stable name: exited, restarting, unhealthy, not-running, not-rebuilt, not-recreated,
        /// wrong-image, shadowing-mount, entrypoint-replaced, startup-log, label, override-file,
        /// stale-checkout, ignored-change, files-differ.
        package var cause: String
        package var finding: Finding
        package var fix: String
    }

    /// What a diagnosis rests on: a deploy problem or the freshness answer (the command line words
    /// those), or a finding of doctor's own about the checkout.
    package enum Finding: Sendable, Equatable {
        case problem(DeployProblem)
        case stale(Freshness)
        case note(String)
    }

    package var root: String
    package var client: DockerClient
    package var runner: ToolRunner

    /// The project's compose files, profiles and env file (default: the files compose finds).
    package var selection: ComposeCLI.Selection

    /// The project's compose, as `layerpin compose` reads it.
    var compose: Compose { Compose(root: root, selection: selection, docker: client.docker) }

    package init(
        root: String, client: DockerClient, runner: ToolRunner = ToolRunner(), composeFile: String? = nil,
        selection: ComposeCLI.Selection? = nil
    ) {
        self.selection = selection ?? .init(files: composeFile.map { [$0] } ?? [])
        self.root = root
        self.client = client
        self.runner = runner
    }

    /// The container of a compose service of this project: a running one first, else a stopped
    /// one (so an exited service is diagnosed, not missed), never a one-off `compose run` container.
    package func container(forService service: String, project: String) throws(LayerpinError) -> String {
        try client.ping()
        let filters = [
            "--filter", "label=com.docker.compose.service=\(service)", "--filter",
            "label=com.docker.compose.project=\(project)", "--filter", "label=com.docker.compose.oneoff=False",
        ]
        for all in [false, true] {
            let output = String(
                decoding: try runner.run(client.docker, ["ps", "-q"] + (all ? ["-a"] : []) + filters, in: "/"),
                as: UTF8.self)
            if let id = output.split(separator: "\n").first { return String(id) }
        }
        throw .noSuchObject(kind: "container for service", reference: service)
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
            let compose = self.compose
            let model = try? compose.project()
            let project = compose.projectName(of: model)
            let name = try container(forService: service, project: project)
            // Judged against the service's own build context and Dockerfile, as compose resolves them.
            let built = model.flatMap { model in try? compose.services(of: model) }?.first { $0.name == service }
            let (diagnoses, report) = try diagnose(
                container: name, repository: "\(project)-\(service)", context: built?.context ?? root,
                dockerfile: built?.dockerfile, target: built?.target)
            return (name, diagnoses, report)
        }
    }

    /// Every cause found (empty when the container runs exactly the working tree's code). The
    /// expected image is `repository:src-…` (default: the repository the container runs).
    package func diagnose(
        container: String, repository: String? = nil, context: String? = nil, dockerfile: String? = nil,
        target: String? = nil
    ) throws(LayerpinError) -> (diagnoses: [Diagnosis], report: DeployReport) {
        guard let info = try client.inspectContainer(container) else {
            throw .noSuchObject(kind: "container", reference: container)
        }
        var planner = Planner(root: context ?? root, dockerfile: dockerfile)
        planner.fingerprinter.target = target
        var (expected, fingerprint) = try planner.manifest()
        let repository = repository ?? DeployVerifier.repository(of: info.config.image)
        expected.tags = DockerBuild(planner: planner, docker: client.docker, repository: repository).tags(expected)
        let report = try DeployVerifier.verify(
            container: container, expecting: .manifest(expected, from: .project(context ?? root)), client: client,
            inspected: info)
        let compose = self.compose
        let upCommand = (try? compose.composeFiles()).map { compose.upCommand(files: $0) }
        var found = Self.diagnoses(of: report, upCommand: upCommand)
        for name in Compose.overrideFiles(in: root) {
            found.append(
                Diagnosis(
                    cause: "override-file",
                    finding: .note("\(name) exists: a plain docker-compose up merges it (bind mounts, another image)"),
                    fix: "read it, and name the files with -f so only what you mean is merged"))
        }
        if let head = try? gitLine(["rev-parse", "HEAD"]), let upstream = try? gitLine(["rev-parse", "@{upstream}"]),
            head != upstream
        {
            found.append(
                Diagnosis(
                    cause: "stale-checkout",
                    finding: .note("HEAD is \(head.prefix(12)), its upstream is \(upstream.prefix(12))"),
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
                // layerpin's own plans (`.layerpin/`, a nested context's too) are no change of the user's.
                let layerpins = path.split(separator: RawPath.separator).contains {
                    $0.elementsEqual(StatCache.directory)
                }
                if !layerpins && fingerprint.ignore.isExcluded(path) {
                    found.append(
                        Diagnosis(
                            cause: "ignored-change",
                            finding: .note(
                                "\(RawPath.display(path)) changed, but .dockerignore keeps it out of the image"),
                            fix: "remove its .dockerignore line if the image needs it"))
                    break
                }
            }
        }
        // Files that differ with no other cause found: something changed them in place.
        for (problems, cause, prefix, fix) in [
            (
                report.files.mismatches, "files-differ", "",
                "something changed the files inside the container (docker exec, a volume): recreate it from its image"
            ),
            (
                report.files.outputMismatches, "build-outputs-differ", "build outputs changed since the build: ",
                "something changed what the build wrote (docker exec, a volume over it, the program itself): recreate the container from its image, or list the paths it writes under runtime: in layerpin.yaml"
            ),
        ] where !problems.isEmpty && found.isEmpty {
            let listed = problems.prefix(5).map { "\($0.kind.rawValue) \(RawPath.display($0.path))" }
            found.append(
                Diagnosis(cause: cause, finding: .note(prefix + listed.joined(separator: ", ")), fix: fix))
        }
        return (found, report)
    }

    private func gitLine(_ arguments: [String]) throws(LayerpinError) -> String {
        String(decoding: try runner.run("git", arguments, in: root), as: UTF8.self).trimmedLine
    }

    /// The causes a deploy report shows, with their fixes: a pure function, table-tested over
    /// recorded inspect data. State comes first; a stale container's cause before what follows
    /// from it (a wrong image is not said again when the container was simply not rebuilt).
    package static func diagnoses(of report: DeployReport, upCommand: String? = nil) -> [Diagnosis] {
        var found: [Diagnosis] = []
        for problem in report.problems where problem.isState {
            let (cause, fix) =
                switch problem {
                case .exited: ("exited", "read its log (docker logs), fix the failure, and start it again")
                case .restarting, .restarted:
                    ("restarting", "it keeps crashing: read its log (docker logs) and fix the failure")
                case .unhealthy: ("unhealthy", "its healthcheck fails: read docker inspect's State.Health and its log")
                default: ("not-running", "start it (docker compose up -d)")
                }
            found.append(Diagnosis(cause: cause, finding: .problem(problem), fix: fix))
        }
        var stale = false
        if case .stale(_, _, _, let cause, _) = report.freshness {
            stale = true
            switch cause {
            case .notRecreated(let tag):
                found.append(
                    Diagnosis(
                        cause: "not-recreated", finding: .stale(report.freshness),
                        fix: upCommand.map { "recreate it: \($0) (after layerpin compose)" }
                            ?? "recreate it from \(tag) (docker rm -f the container, then docker run \(tag))"))
            case .notRebuilt, .otherCommit:
                found.append(
                    Diagnosis(
                        cause: "not-rebuilt", finding: .stale(report.freshness),
                        fix: "layerpin compose --build (or layerpin build), then up -d with the override"))
            }
        }
        for problem in report.problems where !problem.isState {
            switch problem {
            case .notRecreated:
                guard !found.contains(where: { $0.cause == "not-recreated" }) else { continue }
                found.append(
                    Diagnosis(
                        cause: "not-recreated", finding: .problem(problem),
                        fix: "docker-compose up -d --force-recreate, or up -d with layerpin's override"))
            case .wrongImage:
                guard !stale else { continue }
                found.append(
                    Diagnosis(
                        cause: "wrong-image", finding: .problem(problem),
                        fix: "run the image layerpin compose names (image: in the override)"))
            case .shadowingMount(let type, _, _, _, _):
                found.append(
                    Diagnosis(
                        cause: "shadowing-mount", finding: .problem(problem),
                        fix: type == "bind"
                            ? "remove the bind mount to run the image's verified files (keep it only for development)"
                            : "remove the volume over the application path (docker-compose down -v drops anonymous volumes)"
                    ))
            case .entrypointReplaced:
                found.append(
                    Diagnosis(
                        cause: "entrypoint-replaced", finding: .problem(problem),
                        fix: "keep ENTRYPOINT [\"/etc/layerpin/verify.sh\"] and pass the command as CMD"))
            case .startupLog:
                found.append(
                    Diagnosis(
                        cause: "startup-log", finding: .problem(problem),
                        fix: "the start-up check saw other code than the image carries: recreate the container"))
            case .label:
                found.append(
                    Diagnosis(
                        cause: "label", finding: .problem(problem),
                        fix: "the image's labels and its manifest disagree: rebuild it with layerpin build"))
            case .exited, .restarting, .restarted, .unhealthy, .notRunning:
                continue
            }
        }
        return found
    }
}
