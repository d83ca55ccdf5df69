import FuzzMain

/// libFuzzer's entry for the safetensors target (FuzzEntries.swift).
@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

@main enum FuzzSafetensors {
    static func main() { runFuzzer(.safetensors) { data, size in fuzz(data, size) } }
}
