import LayerpinDockerfile
import LayerpinIgnore

extension EngineGeneration {
    /// The Dockerfile frontend the engine of this generation builds with.
    package var dockerfileFrontend: DockerfileFrontend {
        switch self {
        case .docker20_10: .docker20_10
        case .current: .current
        }
    }
}
