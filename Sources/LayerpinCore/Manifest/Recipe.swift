import LayerpinDigest

/// The recipe digest: what, besides the context, decides an image — the Dockerfile's bytes, the
/// base image reference, the build args declared for layerpin and the target platform.
///
/// Listing (`layerpin-recipe/v1`), one field a line, then `sha256:` + SHA-256 of it:
/// ```
/// layerpin-recipe/v1
/// dockerfile <sha256 hex of the Dockerfile, or ->
/// base <base image reference from layerpin.yaml, or ->
/// platform <os/arch>
/// arg <NAME>            one line per build arg, sorted
/// ```
package struct Recipe: Sendable, Equatable {
    package var dockerfile: Digest?
    package var base: String?
    package var platform: String
    package var arguments: [String]

    package var digest: Digest {
        var text = "layerpin-recipe/v1\n"
        text += "dockerfile \(dockerfile?.hex ?? "-")\n"
        text += "base \(base ?? "-")\n"
        text += "platform \(platform)\n"
        for name in arguments.sorted() { text += "arg \(name)\n" }
        return SHA256Hasher.digest(of: Array(text.utf8))
    }
}
