/// What `docker container inspect` says about a container: the fields layerpin reads, decoded
/// (never `[String: Any]`).
package struct ContainerInspect: Decodable, Sendable, Equatable {
    package struct State: Decodable, Sendable, Equatable {
        package struct Health: Decodable, Sendable, Equatable {
            /// `starting`, `healthy` or `unhealthy`.
            package var status: String

            enum CodingKeys: String, CodingKey { case status = "Status" }
        }

        /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
        package var status: String
        package var running: Bool
        package var restarting: Bool
        package var exitCode: Int
        package var health: Health?

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case running = "Running"
            case restarting = "Restarting"
            case exitCode = "ExitCode"
            case health = "Health"
        }
    }

    package struct Config: Decodable, Sendable, Equatable {
        /// The reference the container was created from (`app:src-…`, or an image ID).
        package var image: String
        package var entrypoint: [String]?
        package var labels: [String: String]?

        enum CodingKeys: String, CodingKey {
            case image = "Image"
            case entrypoint = "Entrypoint"
            case labels = "Labels"
        }
    }

    package struct Mount: Decodable, Sendable, Equatable {
        /// `bind`, `volume` or `tmpfs`.
        package var type: String
        package var name: String?
        package var source: String?
        package var destination: String

        enum CodingKeys: String, CodingKey {
            case type = "Type"
            case name = "Name"
            case source = "Source"
            case destination = "Destination"
        }
    }

    package var id: String
    package var name: String
    /// The ID of the image the container runs.
    package var image: String
    package var state: State
    /// How often its restart policy restarted it (after it exited).
    package var restartCount: Int?
    package var config: Config
    package var mounts: [Mount]?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case image = "Image"
        case state = "State"
        case restartCount = "RestartCount"
        case config = "Config"
        case mounts = "Mounts"
    }
}

/// What `docker image inspect` says about an image: the fields layerpin reads.
package struct ImageInspect: Decodable, Sendable, Equatable {
    package struct Config: Decodable, Sendable, Equatable {
        package var labels: [String: String]?

        enum CodingKeys: String, CodingKey { case labels = "Labels" }
    }

    package var id: String
    package var config: Config?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case config = "Config"
    }
}
