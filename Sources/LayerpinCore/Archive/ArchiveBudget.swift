import LayerpinArchive

extension ImageFileSystem {
    /// Counts entries and bytes against the limits.
    struct Budget {
        var limits: Limits
        var entries = 0
        var bytes: Int64 = 0

        mutating func count(_ header: ArchiveEntryHeader) throws {
            entries += 1
            guard entries <= limits.maxEntries else {
                throw ImageArchiveFailure(problem: .tooManyEntries(limit: limits.maxEntries), entry: header.path)
            }
        }

        mutating func spend(_ count: Int64, entry: [UInt8]) throws {
            bytes += count
            guard bytes <= limits.maxBytes else {
                throw ImageArchiveFailure(problem: .tooManyBytes(limit: limits.maxBytes), entry: entry)
            }
        }
    }
}
