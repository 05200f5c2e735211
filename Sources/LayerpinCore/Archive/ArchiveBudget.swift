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
                throw ArchiveError(message: "more than \(limits.maxEntries) entries (limit)", entry: header.path)
            }
        }

        mutating func spend(_ count: Int64, entry: [UInt8]) throws {
            bytes += count
            guard bytes <= limits.maxBytes else {
                throw ArchiveError(message: "more than \(limits.maxBytes) bytes unpacked (limit)", entry: entry)
            }
        }
    }
}
