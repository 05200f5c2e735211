import LayerpinArchive

extension LayerpinError {
    /// Runs `body`, reporting `ImageArchiveFailure` and the archive library's `ArchiveError` as
    /// `LayerpinError.archive`, and passing a `LayerpinError` through unchanged.
    static func mappingArchiveErrors<Value>(_ body: () throws -> Value) throws(LayerpinError) -> Value {
        do {
            return try body()
        } catch let error as ImageArchiveFailure {
            throw .archive(error.problem, entry: error.entry)
        } catch let error as ArchiveError {
            throw .archive(.library(error.message), entry: error.entry)
        } catch let error as LayerpinError {
            throw error
        } catch {
            throw .archive(.library("\(error)"), entry: nil)
        }
    }
}

/// An image or layer archive the core refuses (the archive library's own refusals are
/// `ArchiveError`): thrown inside the readers, reported as `LayerpinError.archive`.
struct ImageArchiveFailure: Error {
    var problem: ArchiveProblem
    var entry: [UInt8]? = nil
}
