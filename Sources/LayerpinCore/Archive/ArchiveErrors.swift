import LayerpinArchive

extension LayerpinError {
    /// Runs `body`, reporting the archive library's `ArchiveError` as `LayerpinError.archive` and
    /// passing a `LayerpinError` through unchanged.
    static func mappingArchiveErrors<Value>(_ body: () throws -> Value) throws(LayerpinError) -> Value {
        do {
            return try body()
        } catch let error as ArchiveError {
            throw .archive(message: error.message, entry: error.entry)
        } catch let error as LayerpinError {
            throw error
        } catch {
            throw .archive(message: "\(error)", entry: nil)
        }
    }
}
