import FuzzMain

/// libFuzzer's entry for the json target (FuzzEntries.swift).
@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

@main enum FuzzJSON {
    static func main() { runFuzzer(.json) { data, size in fuzz(data, size) } }
}
