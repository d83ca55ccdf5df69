// swift-tools-version: 6.0
// The libFuzzer targets (README.md, "Fuzzing"); built only by Scripts/fuzz, with
// `-sanitize=fuzzer,address`, never by the main package's `swift build` or `swift test`.
//
// The readers come from the main package's own sources: Sources/ here holds symlinks to ../Sources/<module>
// (the main package has no library products to depend on), so the graph below repeats the main
// Package.swift's for these modules; keep it in step. CkptFuzzEntries is one file shared with the main
// test suite (Tests/CkptModelsTests/FuzzEntries.swift), which replays Fuzz/Regressions through it.
import PackageDescription

let targets = ["gguf", "safetensors", "json", "description", "table"]

let package = Package(
    name: "ckpt-fuzz",
    platforms: [.macOS(.v14)],
    products: targets.map { .executable(name: "fuzz-\($0)", targets: ["fuzz-\($0)"]) },
    targets: [
        .systemLibrary(name: "CCkptZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .target(name: "CCkptSystem"),
        .target(name: "CkptJSON"),
        .target(name: "CkptStorage", dependencies: ["CCkptSystem"]),
        .target(name: "CkptFormats", dependencies: ["CCkptSystem", "CkptJSON", "CkptStorage"]),
        .target(name: "CkptCompression", dependencies: ["CCkptZstd"]),
        .target(name: "CkptModels", dependencies: ["CkptCompression", "CkptFormats", "CkptJSON", "CkptStorage"]),
        .target(name: "CkptFuzzEntries", dependencies: ["CkptFormats", "CkptJSON", "CkptModels", "CkptStorage"]),
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzMain", dependencies: ["CFuzzDriver", "CkptFuzzEntries"]),
    ] + targets.map { .executableTarget(name: "fuzz-\($0)", dependencies: ["FuzzMain"]) }
)
