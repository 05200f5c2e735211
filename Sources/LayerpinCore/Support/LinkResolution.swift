/// Symlinks among a path's components resolved as the kernel resolves them under a root that
/// stands for `/` (a `chroot`): an absolute target starts again at the root, `..` never climbs
/// above it, and more than 40 links is a loop. One rule for an unpacked image on disk and for an
/// image read out of its archive, each with its own way to look a component up.
enum LinkResolution {
    /// What a path names, as far as resolution cares.
    enum Lookup {
        case missing
        case notALink
        case link(target: [UInt8])
    }

    /// The resolved path (relative to the root, no leading `/`; empty for the root itself), the
    /// last component resolved too; nil when the links go round, or when a component is missing
    /// and `missingIsAnError`, else a missing component is kept as it is.
    static func resolve(_ path: [UInt8], missingIsAnError: Bool, lookup: ([UInt8]) -> Lookup) -> [UInt8]? {
        var pending = path.split(separator: RawPath.separator).map(Array.init).reversed() as [[UInt8]]
        var resolved: [[UInt8]] = []
        var links = 0
        while let component = pending.popLast() {
            if component == Array(".".utf8) { continue }
            if component == Array("..".utf8) {
                _ = resolved.popLast()
                continue
            }
            let candidate = Array((resolved + [component]).joined(separator: [RawPath.separator]))
            switch lookup(candidate) {
            case .missing:
                if missingIsAnError { return nil }
                resolved.append(component)
            case .notALink:
                resolved.append(component)
            case .link(let target):
                links += 1
                if links > 40 { return nil }
                if target.first == RawPath.separator { resolved = [] }
                pending += target.split(separator: RawPath.separator).map(Array.init).reversed()
            }
        }
        return Array(resolved.joined(separator: [RawPath.separator]))
    }
}
