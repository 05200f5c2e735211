import Foundation

/// A build platform as Docker names it, `os/arch[/variant]`, normalised as the engine normalises
/// it (containerd's `platforms.Normalize`), so that `linux/aarch64`, `linux/arm64/v8`, `arm64` and
/// `linux/arm64` are one platform and give one recipe digest.
package struct Platform: Sendable, Hashable, CustomStringConvertible {
    package var os: String
    package var architecture: String
    package var variant: String?

    package init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// `os/arch[/variant]`, or an architecture alone (Linux, as the engine reads it); nil for
    /// anything else: an empty part, more than three, or a character outside `[a-z0-9_.-]`.
    package init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed.contains) })
        else { return nil }
        if parts.count == 1 {
            self.init(os: "linux", architecture: parts[0])
        } else {
            self.init(
                os: parts[0] == "macos" ? "darwin" : parts[0], architecture: parts[1],
                variant: parts.count == 3 ? parts[2] : nil)
        }
        normalize()
    }

    /// The engine's spellings: `aarch64` is `arm64` (whose `v8` is the default and dropped),
    /// `x86_64` is `amd64`, `armhf` is `arm/v7`, `armel` is `arm/v6`, an `arm` variant `7` is `v7`
    /// and a bare `arm` is `arm/v7`.
    private mutating func normalize() {
        switch architecture {
        case "i386", "i486", "i586", "i686": architecture = "386"
        case "x86_64", "x86-64": architecture = "amd64"
        case "aarch64": architecture = "arm64"
        case "armhf":
            architecture = "arm"
            variant = "v7"
        case "armel":
            architecture = "arm"
            variant = "v6"
        default: break
        }
        switch architecture {
        case "amd64" where variant == "v1": variant = nil
        case "arm64" where variant == "8" || variant == "v8": variant = nil
        case "arm":
            if let number = variant, ["5", "6", "7", "8"].contains(number) { variant = "v" + number }
            if variant == nil { variant = "v7" }
        default: break
        }
    }

    package var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// The platform of a Linux machine by its `uname -m` (`x86_64`, `aarch64`, `armv7l` on a
    /// 32-bit Raspberry Pi OS, `armv6l` on a Pi Zero); nil for a machine Docker has no name for.
    package static func linux(machine: String) -> Platform? {
        switch machine {
        case "x86_64", "amd64": Platform(os: "linux", architecture: "amd64")
        case "aarch64", "arm64": Platform(os: "linux", architecture: "arm64")
        case "armv7l", "armv7": Platform(os: "linux", architecture: "arm", variant: "v7")
        case "armv6l", "armv6": Platform(os: "linux", architecture: "arm", variant: "v6")
        case "i386", "i486", "i586", "i686": Platform(os: "linux", architecture: "386")
        case "riscv64", "ppc64le", "s390x", "mips64le": Platform(os: "linux", architecture: machine)
        default: nil
        }
    }

    /// `$DOCKER_DEFAULT_PLATFORM`, the platform the docker CLI and compose build for when none is
    /// named; nil when unset or not a platform.
    package static var environmentDefault: Platform? {
        ProcessInfo.processInfo.environment["DOCKER_DEFAULT_PLATFORM"].flatMap { Platform(parsing: $0) }
    }

    /// The platform this process runs on (`uname`), as Docker names it.
    package static var host: Platform {
        linux(machine: HostSystem.machine) ?? Platform(os: "linux", architecture: HostSystem.machine)
    }
}
