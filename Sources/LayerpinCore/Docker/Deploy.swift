import Foundation
import LayerpinDigest

/// `layerpin deploy`: every service of a compose project planned; built only where the engine has
/// no image of its manifest; the project brought up so that compose recreates exactly the
/// containers whose image changed; each recreated container waited for (its healthcheck, else its
/// start-up line `layerpin: commit …`); every service's container verified (integrity and
/// freshness) with doctor's causes for one that fails. Running containers are never stopped.
package struct Deploy: Sendable {
    package var compose: Compose
    package var client: DockerClient
    /// How long a recreated container may take to run (and be healthy, or log its start-up line).
    package var timeout: Double = 120
    /// Say what would be rebuilt and recreated, touching nothing.
    package var dryRun = false

    package init(compose: Compose, client: DockerClient) {
        self.compose = compose
        self.client = client
    }

    /// One service's deploy.
    package struct ServiceResult: Sendable {
        package var service: String
        package var commit: String
        /// The source digest (`src`, else the whole context's); nil when it was never planned.
        package var source: Digest?
        package var rebuilt: Bool
        package var recreated: Bool
        /// The container verified (nil when there is none).
        package var container: String?
        /// Files and build outputs verified in it.
        package var filesVerified: Int
        package var seconds: Double
        /// What went wrong; empty when the container runs the working tree's code.
        package var failures: [Failure]
        package var diagnoses: [Doctor.Diagnosis]

        package var ok: Bool { failures.isEmpty }
    }

    /// Why a service did not deploy.
    package enum Failure: Sendable {
        /// Its image could not be built (the build's output went to stderr).
        case build(LayerpinError)
        /// Its container did not come to run in time: its last state and health.
        case notRunning(state: String, health: String?, seconds: Double)
        /// Its container runs, but not the planned files (doctor's causes say why).
        case notVerified
    }

    /// The steps, as they finish, for progress on stderr.
    package enum Step: Sendable {
        case planned(services: Int, rebuilt: [String], failed: [String], seconds: Double)
        case broughtUp(seconds: Double)
        case started(service: String, seconds: Double)
        case verified(service: String, seconds: Double)
    }

    /// The outcome: one result per service that builds, in name order.
    package struct Outcome: Sendable {
        package var services: [ServiceResult]
        package var upCommand: String
        package var warnings: [String]
        package var dryRun: Bool
        /// Where the deploy's time went.
        package var phases = Phases()

        package var ok: Bool { services.allSatisfy(\.ok) }
    }

    /// Seconds per phase of a deploy: layerpin's planning (hashing, manifests, compose's model),
    /// `docker build`, compose's `up` (recreating containers), waiting for them to run, verifying.
    package struct Phases: Sendable, Equatable {
        package var plan: Double = 0
        package var build: Double = 0
        package var up: Double = 0
        package var start: Double = 0
        package var verify: Double = 0
    }

    /// Runs the deploy; `progress` hears of each step as it finishes.
    package func run(progress: (Step) -> Void = { _ in }) throws(LayerpinError) -> Outcome {
        try client.ping()
        let project = try compose.project()
        let projectName = compose.projectName(of: project)
        let services = try compose.services(of: project)
        let doctor = Doctor(root: compose.root, client: client, runner: compose.runner, selection: compose.selection)
        let before = Dictionary(
            uniqueKeysWithValues: services.map {
                ($0.name, try? doctor.container(forService: $0.name, project: projectName))
            })
        let start = Date()
        if dryRun { return try plannedOnly(services, projectName: projectName, before: before) }

        let planned = try compose.run(building: .whenMissing(client), project: project)
        var phases = Phases(plan: -start.timeIntervalSinceNow - planned.buildSeconds, build: planned.buildSeconds)
        progress(
            .planned(
                services: services.count, rebuilt: planned.rebuilt.sorted(), failed: planned.failures.map(\.service),
                seconds: -start.timeIntervalSinceNow))
        let upStart = Date()
        // Only the services that have an image: one whose build failed keeps what it runs.
        let built = services.map(\.name).filter { planned.manifests[$0] != nil }
        if !built.isEmpty {
            try bringUp(files: planned.composeFiles, images: planned.images, services: built)
            phases.up = -upStart.timeIntervalSinceNow
            progress(.broughtUp(seconds: phases.up))
        }

        var results: [ServiceResult] = []
        for service in services {
            let serviceStart = Date()
            guard let manifest = planned.manifests[service.name] else {
                let error = planned.failures.first { $0.service == service.name }?.error
                results.append(
                    ServiceResult(
                        service: service.name, commit: "unknown", source: nil, rebuilt: false,
                        recreated: false, container: before[service.name] ?? nil, filesVerified: 0, seconds: 0,
                        failures: error.map { [.build($0)] } ?? [], diagnoses: []))
                continue
            }
            var result = ServiceResult(
                service: service.name, commit: manifest.commit,
                source: manifest.digest(of: "src") ?? manifest.context, rebuilt: planned.rebuilt.contains(service.name),
                recreated: false, container: nil, filesVerified: 0, seconds: 0, failures: [], diagnoses: [])
            let container = try? doctor.container(forService: service.name, project: projectName)
            result.container = container
            result.recreated = container != nil && container != before[service.name] ?? nil
            if let container, let waited = wait(for: container, recreated: result.recreated) {
                result.failures.append(waited)
            }
            let started = -serviceStart.timeIntervalSinceNow
            phases.start += started
            progress(.started(service: service.name, seconds: started))
            if result.failures.isEmpty {
                let (diagnoses, report) = try doctor.diagnose(
                    container: container ?? service.name, repository: "\(projectName)-\(service.name)",
                    context: service.context, dockerfile: service.dockerfile, target: service.target)
                result.filesVerified = report.files.files + report.files.outputFiles
                if !report.ok {
                    result.failures.append(.notVerified)
                    result.diagnoses = diagnoses
                }
            } else if let container {
                result.diagnoses = (try? doctor.diagnose(container: container))?.diagnoses ?? []
            }
            result.seconds = -serviceStart.timeIntervalSinceNow
            phases.verify += result.seconds - started
            progress(.verified(service: service.name, seconds: result.seconds))
            results.append(result)
        }
        return Outcome(
            services: results, upCommand: planned.upCommand, warnings: planned.warnings, dryRun: false, phases: phases)
    }

    /// Where the deploy's override goes: each planned service's image, nothing else.
    static let overridePath = ".layerpin/deploy.override.yml"

    /// `compose … -f .layerpin/deploy.override.yml up -d --no-build SERVICE…`: compose recreates
    /// the containers whose image or configuration changed and keeps the others.
    func bringUp(files: [String], images: [String: String], services: [String]) throws(LayerpinError) {
        var override = ComposeOverride()
        for (service, image) in images { override.services[service] = .init(image: image, build: nil) }
        let yaml = "# Written by `layerpin deploy`: the images it deployed.\n" + (try override.yaml())
        try OpenDirectory(compose.root).write(Array(Self.overridePath.utf8), Array(yaml.utf8))
        let command = compose.compose.command
        let arguments =
            Array(command.dropFirst()) + files.flatMap { ["-f", $0] } + ["-f", Self.overridePath]
            + compose.selection.profiles.flatMap { ["--profile", $0] }
            + (compose.selection.envFile.map { ["--env-file", $0] } ?? []) + ["up", "-d", "--no-build"] + services
        _ = try compose.runner.run(command[0], arguments, in: compose.root, mergingStandardError: true)
    }

    /// Waits until a container runs (healthy, when it has a healthcheck; a recreated one that
    /// starts through the verifier, until its start-up line is logged); nil when it does, else why
    /// not.
    func wait(for container: String, recreated: Bool) -> Failure? {
        let start = Date()
        var last: ContainerInspect.State?
        while -start.timeIntervalSinceNow < timeout {
            if let info = try? client.inspectContainer(container) {
                last = info.state
                let state = info.state
                if state.status == "exited" || state.status == "dead" { break }
                if state.running && !state.restarting {
                    if let health = state.health?.status {
                        if health == "healthy" { return nil }
                        if health == "unhealthy" { break }
                    } else if recreated, info.config.entrypoint?.first == "/etc/layerpin/verify.sh" {
                        if let logs = try? client.logs(container), logs.contains("layerpin: commit ") { return nil }
                    } else {
                        return nil
                    }
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return .notRunning(
            state: last?.status ?? "missing", health: last?.health?.status, seconds: -start.timeIntervalSinceNow)
    }

    /// `--dry-run`: each service planned (nothing written), and whether it would be rebuilt (the
    /// engine has no image of its manifest) and recreated (its container runs another image).
    func plannedOnly(_ services: [Compose.Service], projectName: String, before: [String: String?])
        throws(LayerpinError)
        -> Outcome
    {
        var results: [ServiceResult] = []
        for service in services where !service.isRemote {
            let planner = service.planner(dockerfile: service.dockerfile, engine: client.docker)
            var (manifest, _) = try planner.manifest()
            manifest.tags = DockerBuild(
                planner: planner, docker: client.docker, repository: "\(projectName)-\(service.name)"
            )
            .tags(manifest)
            let present = try Compose.hasImage(ofContentOf: manifest, client: client)
            var recreated = true
            if !present {
                recreated = true
            } else if let container = before[service.name] ?? nil, let info = try client.inspectContainer(container),
                let tag = manifest.tags.first, let image = try client.inspectImage(tag)
            {
                recreated = info.image != image.id
            }
            results.append(
                ServiceResult(
                    service: service.name, commit: manifest.commit,
                    source: manifest.digest(of: "src") ?? manifest.context,
                    rebuilt: !present, recreated: recreated, container: before[service.name] ?? nil, filesVerified: 0,
                    seconds: 0, failures: [], diagnoses: []))
        }
        let files = try compose.composeFiles()
        return Outcome(services: results, upCommand: compose.upCommand(files: files), warnings: [], dryRun: true)
    }
}
