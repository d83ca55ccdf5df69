import FuzzMain

/// libFuzzer's entry for the description target (FuzzEntries.swift).
@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

@main enum FuzzDescription {
    static func main() { runFuzzer(.description) { data, size in fuzz(data, size) } }
}
