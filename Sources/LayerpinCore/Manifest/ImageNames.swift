/// The names layerpin gives things in builds and images (DESIGN.md, "Names that appear in images
/// and scripts"): the build args and the labels, in one place for every writer and reader.
package enum ImageNames {
    /// Every build arg layerpin passes starts with it.
    package static let argumentPrefix = "LAYERPIN_"
    package static let commitArgument = "LAYERPIN_COMMIT"
    package static let createdArgument = "LAYERPIN_CREATED"
    package static let revisionLabel = "org.opencontainers.image.revision"
    package static let createdLabel = "org.opencontainers.image.created"
    package static let contextDigestLabel = "io.layerpin.digest.context"
    /// The manifest's own digest.
    package static let manifestLabel = "io.layerpin.manifest"
    /// The recipe digest (Dockerfile, base, build args, platform): with the context digest, what
    /// makes an image the same build whatever commit it was planned at.
    package static let recipeLabel = "io.layerpin.recipe"
    /// `LAYERPIN_VERIFY`, read by the start-up verifier: enforce, warn or off.
    package static let verifyModeVariable = "LAYERPIN_VERIFY"

    /// `LAYERPIN_<GROUP>_DIGEST`.
    package static func digestArgument(ofGroup group: String) -> String { "LAYERPIN_\(group.uppercased())_DIGEST" }

    /// `io.layerpin.digest.<group>`.
    package static func digestLabel(ofGroup group: String) -> String { "io.layerpin.digest.\(group)" }

    /// The words of a Dockerfile `LABEL`: each label taken from the build arg that carries it.
    static func dockerfileLabels(groups: [String]) -> [String] {
        ["\(revisionLabel)=$\(commitArgument)", "\(createdLabel)=$\(createdArgument)"]
            + groups.map { "\(digestLabel(ofGroup: $0))=$\(digestArgument(ofGroup: $0))" }
    }
}
