// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ckpt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ckpt", targets: ["ckpt"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // Each target depends on exactly the modules its files import.
        .systemLibrary(
            name: "CCkptZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(
            name: "CCkptBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .target(name: "CCkptSystem"),
        // Only the executable links it: its load-time constructor routes signals before Swift starts.
        .target(name: "CCkptStartup", dependencies: ["CCkptSystem"]),
        .target(name: "CkptJSON"),
        .target(name: "CkptStorage", dependencies: ["CCkptSystem"]),
        .target(name: "CkptFormats", dependencies: ["CCkptSystem", "CkptJSON", "CkptStorage"]),
        .target(name: "CkptModels", dependencies: ["CkptCompression", "CkptFormats", "CkptJSON", "CkptStorage"]),
        .target(name: "CkptKernels", dependencies: ["CCkptBLAS"]),
        .target(name: "CkptCompression", dependencies: ["CCkptZstd"]),
        .target(name: "CkptEngine", dependencies: ["CkptFormats", "CkptKernels", "CkptModels"]),
        .target(
            name: "CkptPrecompute",
            dependencies: [
                "CkptEngine", "CkptFormats", "CkptJSON", "CkptKernels", "CkptModels", "CkptStorage",
            ]),
        .target(
            name: "CkptCLI",
            dependencies: [
                "CCkptSystem", "CkptEngine", "CkptFormats", "CkptJSON", "CkptModels", "CkptPrecompute", "CkptStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "ckpt", dependencies: ["CCkptStartup", "CkptCLI"]),
        .target(name: "CkptTestSupport", dependencies: ["CkptFormats"], path: "Tests/CkptTestSupport"),
        .testTarget(name: "CkptFormatsTests", dependencies: ["CkptFormats", "CkptJSON", "CkptStorage", "CkptTestSupport"]),
        .testTarget(name: "CkptModelsTests", dependencies: ["CkptFormats", "CkptJSON", "CkptModels", "CkptStorage", "CkptTestSupport"]),
        .testTarget(name: "CkptEngineTests", dependencies: ["CkptEngine", "CkptFormats", "CkptJSON", "CkptModels", "CkptTestSupport"]),
        .testTarget(
            name: "CkptPrecomputeTests",
            dependencies: [
                "CkptEngine", "CkptFormats", "CkptJSON", "CkptModels", "CkptPrecompute", "CkptStorage", "CkptTestSupport",
            ]),
        .testTarget(name: "CkptKernelsTests", dependencies: ["CkptCompression", "CkptFormats", "CkptKernels", "CkptTestSupport"]),
        // The CLI tests run the built `ckpt` executable and import CkptCLI for its report types.
        .testTarget(name: "CkptCLITests", dependencies: ["ckpt", "CkptCLI", "CkptFormats", "CkptJSON", "CkptStorage", "CkptTestSupport"]),
    ]
)
