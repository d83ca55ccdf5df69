import FuzzMain

/// libFuzzer's entry for the table target (FuzzEntries.swift).
@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

@main enum FuzzTable {
    static func main() { runFuzzer(.table) { data, size in fuzz(data, size) } }
}
