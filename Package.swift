// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "layerpin",
    // Synchronization (Mutex, Atomic) needs macOS 15; Linux is where it is built and tested.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "layerpin", targets: ["layerpin"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries, each wrapped by exactly one Swift file.
        .systemLibrary(
            name: "CLayerpinCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),

        // libarchive's declarations, and its functions loaded on first use (dlopen), not at start-up.
        .target(name: "CLayerpinArchive", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),

        // The one system call without a libc wrapper (openat2), for Support/FileSystem.swift.
        .target(name: "CLayerpinSystem"),

        // Pure leaf modules.
        .target(name: "LayerpinIgnore"),
        .target(name: "LayerpinDigest", dependencies: ["CLayerpinCrypto"]),
        .target(name: "LayerpinArchive", dependencies: ["CLayerpinArchive"]),
        .target(name: "LayerpinDockerfile"),

        // The core: walks, hashes, groups, talks to git. Never prints, never exits.
        .target(
            name: "LayerpinCore",
            dependencies: [
                "LayerpinIgnore",
                "LayerpinDigest",
                "LayerpinArchive",
                "LayerpinDockerfile",
                "CLayerpinSystem",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // The command line: parsing, wording, exit codes.
        .target(
            name: "LayerpinCLI",
            dependencies: [
                "LayerpinCore",
                "LayerpinDigest",
                "LayerpinDockerfile",
                "LayerpinIgnore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "layerpin", dependencies: ["LayerpinCLI"]),

        // Fuzz targets (Fuzz/README.md): `make fuzz` builds each with libFuzzer; built plainly, each
        // replays the inputs it is given (`make test` runs the seed corpus through them).
        .target(name: "LayerpinFuzzSupport", path: "Fuzz/Support"),
        .executableTarget(
            name: "fuzz-ignore", dependencies: ["LayerpinIgnore", "LayerpinFuzzSupport"], path: "Fuzz/ignore"),
        .executableTarget(
            name: "fuzz-dockerfile", dependencies: ["LayerpinCore", "LayerpinDockerfile", "LayerpinFuzzSupport"],
            path: "Fuzz/dockerfile"),
        .executableTarget(
            name: "fuzz-manifest", dependencies: ["LayerpinCore", "LayerpinFuzzSupport"], path: "Fuzz/manifest"),
        .executableTarget(
            name: "fuzz-config", dependencies: ["LayerpinCore", "LayerpinFuzzSupport"], path: "Fuzz/config"),
        .executableTarget(name: "fuzz-tar", dependencies: ["LayerpinCore", "LayerpinFuzzSupport"], path: "Fuzz/tar"),
        .executableTarget(
            name: "fuzz-image-archive", dependencies: ["LayerpinCore", "LayerpinFuzzSupport"],
            path: "Fuzz/image-archive"),

        // The end-to-end difference test's image reader (Tests/e2e/image-difference.sh).
        .executableTarget(name: "layerpin-image-tree", dependencies: ["LayerpinCore"], path: "Tests/image-tree"),

        .target(name: "LayerpinTestSupport", dependencies: ["LayerpinCore"], path: "Tests/LayerpinTestSupport"),

        .testTarget(name: "LayerpinIgnoreTests", dependencies: ["LayerpinIgnore", "LayerpinTestSupport"]),
        .testTarget(name: "LayerpinDigestTests", dependencies: ["LayerpinDigest"]),
        .testTarget(name: "LayerpinDockerfileTests", dependencies: ["LayerpinDockerfile", "LayerpinTestSupport"]),
        .testTarget(
            name: "LayerpinCoreTests",
            dependencies: ["LayerpinCore", "LayerpinArchive", "LayerpinDockerfile", "LayerpinTestSupport"],
            exclude: ["Snapshots"]),
        .testTarget(name: "LayerpinCLITests", dependencies: ["LayerpinTestSupport"], exclude: ["Snapshots"]),
    ]
)
