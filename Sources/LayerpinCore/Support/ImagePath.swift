/// Absolute paths inside an image (`/app`, `/srv/app/`), compared by component, never by string
/// prefix: `/app2` is not inside `/app`, and `/app/` and `/app/.` are `/app`.
enum ImagePath {
    /// The components of a path, without empty ones and `.`.
    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/").filter { $0 != "." }
    }

    /// Whether `path` is `directory` or lies below it.
    static func isWithin(_ path: String, _ directory: String) -> Bool {
        let inner = components(path)
        let outer = components(directory)
        return inner.count >= outer.count && inner.starts(with: outer)
    }

    /// Whether one lies within the other (a mount on an application path, or above it).
    static func overlaps(_ first: String, _ second: String) -> Bool {
        isWithin(first, second) || isWithin(second, first)
    }

    /// The outermost of `applicationPaths` that a mount on `target` overlaps, if any: one answer
    /// per mount, however many COPY destinations lie under it.
    static func shadowed(by target: String, among applicationPaths: [String]) -> String? {
        applicationPaths.filter { overlaps(target, $0) }.min { components($0).count < components($1).count }
    }
}
