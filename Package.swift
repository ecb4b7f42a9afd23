// swift-tools-version: 6.0
import PackageDescription

// Dependencies point one way, toward the math core:
//   scidl → SciDLGrokking → SciDLAutodiff → SciDLTensor → (CBLAS | Accelerate)
//                         ↘ SciDLReports  ↗
let package = Package(
    name: "SciDL",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "scidl", targets: ["scidl"]),
        .library(name: "SciDLTensor", targets: ["SciDLTensor"]),
        .library(name: "SciDLAutodiff", targets: ["SciDLAutodiff"]),
        .library(name: "SciDLGrokking", targets: ["SciDLGrokking"]),
        .library(name: "SciDLReports", targets: ["SciDLReports"]),
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
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .target(name: "SciDLAutodiff", dependencies: ["SciDLTensor"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "SciDLReports", dependencies: ["SciDLTensor"]),
        .target(name: "SciDLGrokking", dependencies: ["SciDLAutodiff", "SciDLReports"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .executableTarget(
            name: "scidl",
            dependencies: [
                "SciDLGrokking", "SciDLReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SciDLTensorTests", dependencies: ["SciDLTensor"]),
        .testTarget(name: "SciDLAutodiffTests", dependencies: ["SciDLAutodiff"]),
        .testTarget(name: "SciDLGrokkingTests", dependencies: ["SciDLGrokking"]),
        .testTarget(name: "SciDLReportsTests", dependencies: ["SciDLReports"]),
        .testTarget(name: "scidlTests", dependencies: ["scidl"]),
    ]
)
