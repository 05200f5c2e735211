import LayerpinDigest
import Testing

@Suite("SHA-256 through EVP and the Digest value")
struct DigestTests {
    @Test(
        "known answers (FIPS 180-2)",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func knownAnswers(input: String, hex: String) {
        #expect(SHA256Hasher.digest(of: Array(input.utf8)).hex == hex)
    }

    @Test("one hasher reused across digests and fed in pieces gives the same answers")
    func reuse() {
        let hasher = SHA256Hasher()
        hasher.update(Array("ab".utf8))
        hasher.update(Array("c".utf8))
        #expect(hasher.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hasher.finalize().hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("a million 'a's, streamed")
    func million() {
        let hasher = SHA256Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hasher.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("digests print and parse losslessly; malformed text is refused")
    func parsing() throws {
        let text = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let digest = try #require(Digest(parsing: text))
        #expect(digest.description == text)
        for bad in [
            "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            "sha256:ba78", "sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "sha256:" + String(repeating: "g", count: 64),
        ] {
            #expect(Digest(parsing: bad) == nil, "accepted \(bad)")
        }
    }
}

@Suite("The canonical listing (docs/digest-spec.md, v1)")
struct TreeListingTests {
    @Test(
        "path encoding round-trips and is unambiguous",
        arguments: [
            ("a/b.txt", "a/b.txt"), ("a b", "a%20b"), ("100%", "100%25"), ("nl\nx", "nl%0Ax"),
            ("caf\u{E9}", "caf%C3%A9"), ("~!", "~!"), ("del\u{7F}", "del%7F"),
        ])
    func encoding(raw: String, encoded: String) {
        #expect(String(decoding: TreeListing.encodePath(Array(raw.utf8)), as: UTF8.self) == encoded)
        #expect(TreeListing.decodePath(Array(encoded.utf8)) == Array(raw.utf8))
    }

    @Test("a non-UTF-8 byte is encoded like any other")
    func rawByte() {
        #expect(TreeListing.encodePath([0x61, 0xFF]) == Array("a%FF".utf8))
        #expect(TreeListing.decodePath(Array("a%FF".utf8)) == [0x61, 0xFF])
        #expect(TreeListing.decodePath(Array("a%ff".utf8)) == nil)  // not canonical
        #expect(TreeListing.decodePath(Array("%61".utf8)) == nil)  // 'a' must be written as itself
        #expect(TreeListing.decodePath(Array("a b".utf8)) == nil)
    }

    @Test("the exact listing bytes: header, sorted by raw path bytes, one line per entry")
    func listing() {
        let hello = SHA256Hasher.digest(of: Array("hello\n".utf8))
        let target = SHA256Hasher.digest(of: Array("app.py".utf8))
        let entries = [
            FingerprintEntry(path: Array("src/run".utf8), kind: .file, executable: true, contentDigest: hello),
            FingerprintEntry(path: Array("src".utf8), kind: .directory, executable: false, contentDigest: nil),
            FingerprintEntry(path: Array("link".utf8), kind: .symlink, executable: false, contentDigest: target),
            FingerprintEntry(path: Array("src-a b".utf8), kind: .file, executable: false, contentDigest: hello),
        ]
        let expected = """
            layerpin-digest/v1
            120000 \(target.hex) link
            040000 - src
            100644 \(hello.hex) src-a%20b
            100755 \(hello.hex) src/run

            """
        #expect(String(decoding: TreeListing.bytes(of: entries), as: UTF8.self) == expected)
        // Pinned: any change to the format changes this digest.
        #expect(
            TreeListing.digest(of: entries).description
                == "sha256:25f6b2286047816ac886349f17445b107994dac6ec246441a1ffd9fa80f8067d")
    }
}
