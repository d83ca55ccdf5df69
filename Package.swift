// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ckpt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ckpt", targets: ["ckpt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CCkptZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(name: "CCkptBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .target(name: "CCkptSystem"),
        .target(name: "CkptFormats", dependencies: ["CCkptSystem"]),
        .target(name: "CkptModels", dependencies: ["CkptFormats"]),
        .target(name: "CkptEngine", dependencies: ["CkptFormats", "CkptModels", "CkptKernels", "CkptCompression"]),
        .target(name: "CkptPrecompute", dependencies: ["CCkptSystem", "CkptFormats", "CkptModels", "CkptEngine", "CkptKernels", "CkptCompression"]),
        .target(name: "CkptKernels", dependencies: ["CCkptBLAS"]),
        .target(name: "CkptCompression", dependencies: ["CCkptZstd"]),
        .target(name: "CkptCLI", dependencies: [
            "CCkptSystem", "CkptFormats", "CkptModels", "CkptEngine", "CkptPrecompute", "CkptKernels", "CkptCompression",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ckpt", dependencies: ["CkptCLI"]),
        .target(name: "CkptTestSupport", dependencies: ["CkptFormats"], path: "Tests/CkptTestSupport"),
        .testTarget(name: "CkptFormatsTests", dependencies: ["CkptFormats", "CkptTestSupport"]),
        .testTarget(name: "CkptModelsTests", dependencies: ["CkptModels", "CkptFormats", "CkptTestSupport"]),
        .testTarget(name: "CkptEngineTests", dependencies: ["CkptEngine", "CkptModels", "CkptFormats", "CkptTestSupport"]),
        .testTarget(name: "CkptPrecomputeTests", dependencies: ["CkptPrecompute", "CkptModels", "CkptFormats", "CkptTestSupport"]),
        .testTarget(name: "CkptKernelsTests", dependencies: ["CkptKernels", "CkptCompression", "CkptFormats", "CkptTestSupport"]),
        .testTarget(name: "CkptCLITests", dependencies: ["CkptCLI", "CkptFormats", "CkptTestSupport"]),
    ]
)
