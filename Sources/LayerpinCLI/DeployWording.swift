import LayerpinCore
import LayerpinDigest

/// How deploy findings read to people, and their JSON.
enum DeployWording {
    /// `LABEL: DETAIL`, as verify prints a problem.
    static func describe(_ problem: DeployProblem) -> String {
        label(problem) + ": " + detail(problem)
    }

    static func label(_ problem: DeployProblem) -> String {
        switch problem {
        case .exited: "exited"
        case .restarting: "restarting"
        case .restarted(let count): "restarted \(count) time(s)"
        case .unhealthy: "unhealthy"
        case .notRunning: "not running"
        case .label(let name, _, _): "label \(name)"
        case .notRecreated: "not recreated"
        case .wrongImage: "wrong image"
        case .shadowingMount(let type, _, _, _, _): "\(type) mount"
        case .entrypointReplaced: "entrypoint replaced"
        case .startupLog: "start-up log"
        }
    }

    /// What was found, without its label (doctor prints its cause before it).
    static func detail(_ problem: DeployProblem) -> String {
        switch problem {
        case .exited(let code): "the container exited with status \(code)"
        case .restarting(let code): "the container keeps restarting (last exit status \(code))"
        case .restarted: "its restart policy restarted it after it exited: it crashed (docker logs)"
        case .unhealthy: "its healthcheck fails"
        case .notRunning(let status): "the container is \(Output.shown(status))"
        case .label(_, let found, let expected): "\(Output.shown(found)), expected \(Output.shown(expected))"
        case .notRecreated(let imageID, let reference, let current):
            "the container runs image \(Output.shown(String(imageID.prefix(19)))), but \(Output.shown(reference)) is now \(Output.shown(String(current.prefix(19)))) (docker compose up -d --force-recreate, or layerpin compose)"
        case .wrongImage(let runs, let tags):
            "the container runs \(Output.shown(runs)), the manifest's tag is \(Output.shown(tags.joined(separator: ", ")))"
        case .shadowingMount(let type, let source, let destination, let application, let extras):
            (type == "bind"
                ? "\(Output.shown(source)) over \(Output.shown(destination)) puts host files over the application at \(application): they show live, bypassing the image"
                : "\(Output.shown(source)) over \(Output.shown(destination)) shadows the application files at \(application): new code will not show")
                + (extras > 0 ? "; \(extras) file(s) under it the image does not have" : "")
        case .entrypointReplaced(let entrypoint):
            "\(entrypoint.isEmpty ? "none" : Output.shown(entrypoint.joined(separator: " "))) instead of /etc/layerpin/verify.sh, so no start-up check ran"
        case .startupLog(let line): Output.shown(line)
        }
    }

    static func describe(_ provenance: Provenance) -> String {
        "commit \(Output.shown(provenance.commit))"
            + (provenance.digest.map { " (\(provenance.digestName) \($0))" } ?? "")
    }

    static func describe(_ expected: Freshness.Expected) -> String {
        switch expected {
        case .manifestFile(let path): Output.shown(path)
        case .commit: "the expected commit"
        case .project(let root): root == "." ? "the working tree" : "the project at \(root)"
        }
    }

    static func describe(_ cause: Freshness.Cause) -> String {
        switch cause {
        case .notRebuilt: "not rebuilt (no image of it exists: layerpin compose --build, or layerpin build)"
        case .notRecreated(let tag): "rebuilt as \(tag), but not recreated (docker compose up -d)"
        case .otherCommit: "another commit"
        }
    }

    /// `stale: SUBJECT runs …, EXPECTED is …: CAUSE`, then what changed between them; nil when not stale.
    static func stale(_ freshness: Freshness, subject: String) -> String? {
        guard let line = staleLine(freshness, subject: subject), case .stale(_, _, _, _, let changes) = freshness else {
            return nil
        }
        var text = line + "\n"
        for change in changes.prefix(20) {
            text += "  \(change.change.rawValue) \(RawPath.display(change.path))\n"
        }
        if changes.count > 20 { text += "  … and \(changes.count - 20) more\n" }
        return text
    }

    /// The one line of a stale answer, without the changes; nil when not stale.
    static func staleLine(_ freshness: Freshness, subject: String) -> String? {
        guard case .stale(let runs, let expected, let from, let cause, _) = freshness else { return nil }
        return
            "stale: \(subject) runs \(describe(runs)), \(describe(from)) is \(describe(expected)): \(describe(cause))"
    }

    /// The closing words of an ok line: how freshness was judged.
    static func freshnessNote(_ freshness: Freshness) -> String {
        switch freshness {
        case .notChecked: "freshness not checked: no project or expected commit given"
        case .fresh(let from): "fresh: \(describe(from))'s source"
        case .stale: "stale"
        }
    }

    static func describe(_ finding: Doctor.Finding, subject: String) -> String {
        switch finding {
        case .problem(let problem): detail(problem)
        case .stale(let freshness):
            staleLine(freshness, subject: subject) ?? "stale"
        case .note(let text): text
        }
    }

    static func json(_ provenance: Provenance) -> JSONValue {
        .object([
            "commit": .string(provenance.commit), "digestName": .string(provenance.digestName),
            "digest": provenance.digest.map { .string($0.description) } ?? .null,
        ])
    }

    static func json(_ freshness: Freshness) -> JSONValue {
        switch freshness {
        case .notChecked:
            return .object(["checked": .bool(false), "ok": .null])
        case .fresh(let from):
            return .object(["checked": .bool(true), "ok": .bool(true), "expectedFrom": .string(describe(from))])
        case .stale(let runs, let expected, let from, let cause, let changes):
            return .object([
                "checked": .bool(true), "ok": .bool(false), "expectedFrom": .string(describe(from)),
                "runs": json(runs), "expected": json(expected), "cause": .string(describe(cause)),
                "changes": .array(
                    changes.map {
                        .object(["change": .string($0.change.rawValue), "path": .string(RawPath.display($0.path))])
                    }),
            ])
        }
    }

    static func json(_ state: ContainerInspect.State?) -> JSONValue {
        guard let state else { return .null }
        return .object([
            "status": .string(state.status), "running": .bool(state.running), "restarting": .bool(state.restarting),
            "exitCode": .int(Int64(state.exitCode)), "health": state.health.map { .string($0.status) } ?? .null,
        ])
    }
}
