internal import CLayerpinCrypto

/// The one place that calls libcrypto: SHA-256 through OpenSSL's EVP API.
///
/// The algorithm is fetched once per process; each hasher owns one `EVP_MD_CTX`
/// that is reused across digests (reset by `finalize()`), which is what keeps the
/// per-file cost low on trees of many small files.
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// Creates a hasher ready to take bytes.
    public init() {
        guard let context = EVP_MD_CTX_new() else {
            fatalError("EVP_MD_CTX_new failed: out of memory")
        }
        self.context = context
        reset()
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Feeds bytes into the running digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else {
            fatalError("EVP_DigestUpdate failed")
        }
    }

    /// Feeds the bytes of an array into the running digest.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest of everything fed since the last reset and starts afresh.
    public func finalize() -> Digest {
        var out = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var length: UInt32 = 0
        let digest = withUnsafeMutableBytes(of: &out) { raw -> Digest in
            guard EVP_DigestFinal_ex(context, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), &length) == 1,
                length == 32
            else {
                fatalError("EVP_DigestFinal_ex failed")
            }
            return Digest(unsafeBytes: UnsafeRawBufferPointer(raw))
        }
        reset()
        return digest
    }

    /// The SHA-256 of a byte string, in one call.
    public static func digest(of bytes: [UInt8]) -> Digest {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Drops whatever was fed since the last digest.
    public func reset() {
        guard EVP_DigestInit_ex(context, SHA256Algorithm.shared.md, nil) == 1 else {
            fatalError("EVP_DigestInit_ex failed")
        }
    }
}

/// The fetched SHA-256 implementation, shared by every hasher (EVP_MD is immutable after fetch).
private final class SHA256Algorithm: @unchecked Sendable {
    static let shared = SHA256Algorithm()
    let md: OpaquePointer

    private init() {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else {
            fatalError("OpenSSL has no SHA256 implementation (EVP_MD_fetch failed)")
        }
        self.md = md
    }
}
