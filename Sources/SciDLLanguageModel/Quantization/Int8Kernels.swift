import Foundation
#if arch(x86_64)
import SciDLInt8Kernels
import SciDLInt8KernelsVNNI
#endif

/// The instruction set the integer tile kernels run with, chosen once from what the CPU reports:
/// AVX-512 VNNI where present with the rest of Zen 4's AVX-512 (Zen 4 and 5, Sapphire Rapids and later),
/// otherwise AVX2; none on other CPUs (there `ComputeMode.int8` falls back to
/// the exact path). `SCIDL_INT8_KERNELS=avx2` picks AVX2 on a VNNI machine (to compare the two).
public enum Int8Kernels: String, Sendable {
    case avx2
    case vnni

    /// What this machine runs `ComputeMode.int8` with, or nil when it has no integer kernels.
    public static let available: Int8Kernels? = {
        let features = cpuFeatures()
        let wanted = ProcessInfo.processInfo.environment["SCIDL_INT8_KERNELS"].flatMap(Int8Kernels.init(rawValue:))
        #if arch(x86_64)
        let hasAVX2 = ["avx2", "fma", "f16c", "bmi2"].allSatisfy(features.contains)
        // The VNNI module is compiled for Zen 4 (see Package.swift): every AVX-512 extension that CPU has.
        let zen4 = [
            "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512ifma", "avx512vbmi", "avx512_vbmi2",
            "avx512_vnni", "avx512_bitalg", "avx512_vpopcntdq", "avx512_bf16", "gfni", "vaes", "vpclmulqdq",
        ]
        let hasVNNI = hasAVX2 && zen4.allSatisfy(features.contains)
        if hasVNNI && wanted != .avx2 { return .vnni }
        return hasAVX2 ? .avx2 : nil
        #else
        return nil
        #endif
    }()

    /// The instruction set's name for reports.
    public var name: String { self == .vnni ? "AVX-512 VNNI" : "AVX2" }

    /// The CPU's feature flags as Linux names them (`/proc/cpuinfo`); on macOS the few this file asks about,
    /// from `sysctl`.
    static func cpuFeatures() -> Set<String> {
        #if canImport(Darwin)
        var found: Set<String> = []
        let names = [
            "avx2": "hw.optional.avx2_0", "fma": "hw.optional.fma", "f16c": "hw.optional.f16c",
            "bmi2": "hw.optional.bmi2", "avx512f": "hw.optional.avx512f", "avx512bw": "hw.optional.avx512bw",
            "avx512vl": "hw.optional.avx512vl", "avx512_vnni": "hw.optional.avx512vnni",
        ]
        for (flag, key) in names {
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            if sysctlbyname(key, &value, &size, nil, 0) == 0, value != 0 { found.insert(flag) }
        }
        return found
        #else
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        #endif
    }

    #if arch(x86_64)
    @inline(__always)
    func octetPairTimesQuartet(
        _ w: RowOctet, _ w2: RowOctet, _ x: TokenQuartet, into out: UnsafeMutablePointer<Float>
    ) {
        switch self {
        case .avx2: AVX2TileKernels.octetPairTimesQuartet(w, w2, x, into: out)
        case .vnni: VNNITileKernels.octetPairTimesQuartet(w, w2, x, into: out)
        }
    }
    #endif
}
