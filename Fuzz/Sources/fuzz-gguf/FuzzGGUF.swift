import FuzzMain

/// libFuzzer's entry for the gguf target (FuzzEntries.swift).
@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

@main enum FuzzGGUF {
    static func main() { runFuzzer(.gguf) { data, size in fuzz(data, size) } }
}
