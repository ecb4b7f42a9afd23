// swift-tools-version: 6.0
import PackageDescription

// Dependencies point one way, toward the math core:
//   scidl → SciDLGrokking        → SciDLAutodiff → SciDLTensor → (CBLAS | Accelerate)
//         → SciDLLatentKnowledge ↗               ↗
//                │  ↘ SciDLReports ─────────────↗
//                └→ SciDLLanguageModel ────────↗
// Numeric modules are built optimised even in debug builds (the tests train real models), without
// bounds checks in their hot loops, and on x86-64 for AVX2/FMA CPUs (Haswell, Zen and later; every x86
// machine since 2013: the "haswell" feature set). Set SCIDL_PORTABLE=1 to build for baseline x86-64 instead.
var numericFlags = ["-Ounchecked"]
#if arch(x86_64)
if Context.environment["SCIDL_PORTABLE"] == nil { numericFlags += ["-target-cpu", "haswell"] }
#endif
let numeric: [SwiftSetting] = [.unsafeFlags(numericFlags)]

let package = Package(
    name: "SciDL",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "scidl", targets: ["scidl"]),
        .library(name: "SciDLTensor", targets: ["SciDLTensor"]),
        .library(name: "SciDLAutodiff", targets: ["SciDLAutodiff"]),
        .library(name: "SciDLGrokking", targets: ["SciDLGrokking"]),
        .library(name: "SciDLReports", targets: ["SciDLReports"]),
        .library(name: "SciDLLanguageModel", targets: ["SciDLLanguageModel"]),
        .library(name: "SciDLLatentKnowledge", targets: ["SciDLLatentKnowledge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS on Linux (Debian: libopenblas-dev); macOS uses Accelerate instead.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "SciDLTensor",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux]))],
            swiftSettings: numeric
        ),
        .target(name: "SciDLAutodiff", dependencies: ["SciDLTensor"],
                swiftSettings: numeric),
        .target(name: "SciDLReports", dependencies: ["SciDLTensor"]),
        .target(name: "SciDLLanguageModel", dependencies: ["SciDLTensor"], swiftSettings: numeric),
        .target(name: "SciDLLatentKnowledge", dependencies: ["SciDLLanguageModel", "SciDLAutodiff", "SciDLReports"],
                swiftSettings: numeric),
        .target(name: "SciDLGrokking", dependencies: ["SciDLAutodiff", "SciDLReports"],
                swiftSettings: numeric),
        .executableTarget(
            name: "scidl",
            dependencies: [
                "SciDLGrokking", "SciDLLatentKnowledge", "SciDLReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers the test targets share (locating ../shared, comparing tensors).
        .target(name: "SciDLTestSupport", dependencies: ["SciDLTensor", "SciDLLanguageModel"], path: "Tests/SciDLTestSupport"),
        .testTarget(name: "SciDLTensorTests", dependencies: ["SciDLTensor"]),
        .testTarget(name: "SciDLAutodiffTests", dependencies: ["SciDLAutodiff"]),
        .testTarget(name: "SciDLGrokkingTests", dependencies: ["SciDLGrokking", "SciDLTestSupport"]),
        .testTarget(name: "SciDLReportsTests", dependencies: ["SciDLReports"]),
        .testTarget(name: "SciDLLanguageModelTests", dependencies: ["SciDLLanguageModel", "SciDLTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SciDLLatentKnowledgeTests", dependencies: ["SciDLLatentKnowledge", "SciDLTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "scidlTests", dependencies: ["scidl"]),
    ]
)
