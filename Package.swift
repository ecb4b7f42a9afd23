// swift-tools-version: 6.0
import PackageDescription

// Dependencies point one way, toward the math core and the support module below it. Every target
// declares each module it imports (the edges below); nothing is reached through another target.
//   scidl                → all of the modules below but SciDLFuzzing
//   scidl-fuzz           → SciDLFuzzing → the readers' modules (Grokking, LatentKnowledge, LanguageModel, …)
//   SciDLGrokking        → SciDLAutodiff, SciDLReports, SciDLTensor, SciDLSupport
//   SciDLLatentKnowledge → SciDLLanguageModel, SciDLAutodiff, SciDLReports, SciDLTensor, SciDLSupport
//   SciDLLanguageModel   → SciDLInt8KernelsVNNI → SciDLInt8Kernels, SciDLTensor, SciDLSupport
//   SciDLAutodiff        → SciDLTensor, SciDLSupport
//   SciDLTensor          → SciDLSupport, (CBLAS | Accelerate)
//   SciDLReports         → SciDLSupport
//   SciDLSupport         → (CZlib) (files, errors, JSON lines, zip archives)
// Numeric modules are built optimised even in debug builds (the tests train real models), without
// bounds checks in their hot loops, and on x86-64 for AVX2/FMA CPUs (Haswell, Zen and later; every x86
// machine since 2013: the "haswell" feature set). Set SCIDL_PORTABLE=1 to build for baseline x86-64 instead.
// SCIDL_FMA: the instruction set has a fused multiply-add (Haswell and later, every ARM64), which the
// hand-written product kernels use; without it a fused product would be a library call per lane.
var numericFlags = ["-Ounchecked"]
var fusedMultiplyAdd = true
#if arch(x86_64)
if Context.environment["SCIDL_PORTABLE"] == nil {
    numericFlags += ["-target-cpu", "haswell"]
} else {
    fusedMultiplyAdd = false
}
#endif
let numeric: [SwiftSetting] = [.unsafeFlags(numericFlags)] + (fusedMultiplyAdd ? [.define("SCIDL_FMA")] : [])
// The integer kernels for quantised weights come in one module per instruction set, each compiled for its
// own (portable builds too): the language-model module picks one at run time from what the CPU reports.
var avx2Kernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
var vnniKernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
#if arch(x86_64)
avx2Kernels = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]
// Zen 4's instruction set (AVX-512 with VNNI and BF16): compiled for a Haswell or Ice Lake CPU, LLVM splits
// VNNI's fused `vpdpwssd` back into a product and a sum (its tuning for those cores), losing what VNNI gives.
vnniKernels = [.unsafeFlags(["-Ounchecked", "-target-cpu", "znver4"])]
#endif

let package = Package(
    name: "SciDL",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "scidl", targets: ["scidl"]),
        .library(name: "SciDLSupport", targets: ["SciDLSupport"]),
        .library(name: "SciDLTensor", targets: ["SciDLTensor"]),
        .library(name: "SciDLAutodiff", targets: ["SciDLAutodiff"]),
        .library(name: "SciDLGrokking", targets: ["SciDLGrokking"]),
        .library(name: "SciDLReports", targets: ["SciDLReports"]),
        .library(name: "SciDLLanguageModel", targets: ["SciDLLanguageModel"]),
        .library(name: "SciDLLatentKnowledge", targets: ["SciDLLatentKnowledge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // OpenBLAS on Linux (Debian: libopenblas-dev); macOS uses Accelerate instead.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // zlib, for deflated zip members (np.savez_compressed); Debian: zlib1g-dev, macOS: the SDK's.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "SciDLSupport", dependencies: ["CZlib"]),
        .target(
            name: "SciDLTensor",
            dependencies: ["SciDLSupport", .target(name: "CBLAS", condition: .when(platforms: [.linux]))],
            swiftSettings: numeric
        ),
        .target(
            name: "SciDLAutodiff", dependencies: ["SciDLTensor", "SciDLSupport"],
            swiftSettings: numeric),
        .target(name: "SciDLReports", dependencies: ["SciDLSupport"]),
        .target(name: "SciDLInt8Kernels", swiftSettings: avx2Kernels),
        .target(name: "SciDLInt8KernelsVNNI", dependencies: ["SciDLInt8Kernels"], swiftSettings: vnniKernels),
        .target(
            name: "SciDLLanguageModel",
            dependencies: ["SciDLInt8Kernels", "SciDLInt8KernelsVNNI", "SciDLTensor", "SciDLSupport"],
            swiftSettings: numeric),
        .target(
            name: "SciDLLatentKnowledge",
            dependencies: ["SciDLLanguageModel", "SciDLAutodiff", "SciDLReports", "SciDLTensor", "SciDLSupport"],
            swiftSettings: numeric),
        .target(
            name: "SciDLGrokking", dependencies: ["SciDLAutodiff", "SciDLReports", "SciDLTensor", "SciDLSupport"],
            swiftSettings: numeric),
        .executableTarget(
            name: "scidl",
            dependencies: [
                "SciDLGrokking", "SciDLAutodiff", "SciDLLatentKnowledge", "SciDLLanguageModel", "SciDLReports",
                "SciDLTensor", "SciDLSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Each reader of outside files fed mutated inputs (`scripts/fuzz.sh`, `FuzzTests`).
        .target(
            name: "SciDLFuzzing",
            dependencies: [
                "SciDLGrokking", "SciDLLatentKnowledge", "SciDLLanguageModel", "SciDLTensor", "SciDLSupport",
            ]),
        .executableTarget(name: "scidl-fuzz", dependencies: ["SciDLFuzzing", "SciDLSupport"]),
        // Helpers the test targets share (locating ../shared, comparing tensors).
        .target(
            name: "SciDLTestSupport", dependencies: ["SciDLTensor", "SciDLLanguageModel"],
            path: "Tests/SciDLTestSupport"),
        .testTarget(name: "SciDLTensorTests", dependencies: ["SciDLTensor", "SciDLSupport"]),
        .testTarget(
            name: "SciDLAutodiffTests", dependencies: ["SciDLAutodiff", "SciDLTensor"], exclude: ["Fixtures"]),
        .testTarget(
            name: "SciDLGrokkingTests",
            dependencies: [
                "SciDLGrokking", "SciDLAutodiff", "SciDLReports", "SciDLTensor",
                "SciDLSupport", "SciDLTestSupport",
            ]),
        .testTarget(name: "SciDLReportsTests", dependencies: ["SciDLReports"]),
        .testTarget(
            name: "SciDLLanguageModelTests",
            dependencies: ["SciDLLanguageModel", "SciDLTensor", "SciDLSupport", "SciDLTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "SciDLLatentKnowledgeTests",
            dependencies: ["SciDLLatentKnowledge", "SciDLLanguageModel", "SciDLTensor", "SciDLTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "scidlTests", dependencies: ["scidl", "SciDLTestSupport", "SciDLLanguageModel"]),
        .testTarget(name: "SciDLFuzzingTests", dependencies: ["SciDLFuzzing", "SciDLSupport", "SciDLTensor"]),
    ]
)
