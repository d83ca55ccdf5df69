import CFuzzDriver
import CkptFuzzEntries

#if canImport(Glibc)
    import Glibc
#endif

/// The entries every fuzz executable runs on, made by `runFuzzer` before the fuzzer starts.
nonisolated(unsafe) private var entries: FuzzEntries?
nonisolated(unsafe) private var current: FuzzTarget = .gguf
/// `CKPT_FUZZ_VERBOSE=1`: print each refusal (to see why a seed or a regression input is refused).
private let verbose = getenv("CKPT_FUZZ_VERBOSE").map { String(cString: $0) == "1" } ?? false

/// The template of the `table` target: `CKPT_FUZZ_TABLE_TEMPLATE`, else Fuzz/Templates/ beside these sources.
private var templatePath: String {
    if let path = getenv("CKPT_FUZZ_TABLE_TEMPLATE") { return String(cString: path) }
    var fuzz = #filePath
    for _ in 0..<3 { fuzz = String(fuzz[..<(fuzz.lastIndex(of: "/") ?? fuzz.startIndex)]) }
    return fuzz + "/Templates/llama-zstd.gguf"
}

/// One input: a refusal is fine, an entry failure (a bug that is not a crash) traps, so libFuzzer saves it.
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let entries else { fatalError("fuzzOne before runFuzzer") }
    do {
        try entries.run(current, UnsafeRawBufferPointer(start: data, count: size))
    } catch let failure as FuzzEntryFailure {
        fatalError("\(current.rawValue): \(failure)")
    } catch {
        if verbose { print("refused: \(error)") }
    }
    return 0
}

/// The main of a fuzz executable for `target`:
///   fuzz-TARGET --write-seeds DIR FILE...   writes the seeds made from sample FILEs into DIR
///   fuzz-TARGET [libFuzzer flags] [CORPUS...]   runs libFuzzer with `callback` (which calls `fuzzOne`)
/// Scratch files go to `CKPT_FUZZ_SCRATCH` (default: a new directory in /dev/shm or TMPDIR).
public func runFuzzer(_ target: FuzzTarget, _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    current = target
    let arguments = CommandLine.arguments
    do {
        let template = target == .table ? templatePath : nil
        if arguments.count >= 3, arguments[1] == "--write-seeds" {
            let seeds = target.seeds(
                from: Array(arguments.dropFirst(3)), template: try template.map { try FuzzEntries.TableTemplate(path: $0) })
            for seed in seeds {
                let path = arguments[2] + "/\(target.rawValue)-\(seed.name)"
                guard let file = fopen(path, "wb") else { fatalError("cannot create \(path)") }
                _ = seed.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                fclose(file)
            }
            print("\(seeds.count) seeds for \(target.rawValue) in \(arguments[2])")
            exit(0)
        }
        entries = try FuzzEntries(directory: scratchDirectory(), tableTemplate: template)
    } catch {
        fatalError("fuzz-\(target.rawValue): \(error)")
    }
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

private func scratchDirectory() -> String {
    if let given = getenv("CKPT_FUZZ_SCRATCH") {
        let path = String(cString: given)
        mkdir(path, 0o700)
        return path
    }
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
    var template = Array("\(base)/ckpt-fuzz-XXXXXX".utf8CString)
    guard mkdtemp(&template) != nil else { fatalError("cannot create a scratch directory in \(base)") }
    ownScratch = String(cString: template)
    atexit { removeOwnScratch() }
    return String(cString: template)
}

/// The scratch directory this process made (not one given by `CKPT_FUZZ_SCRATCH`), removed at exit.
nonisolated(unsafe) private var ownScratch: String?

private func removeOwnScratch() {
    guard let directory = ownScratch else { return }
    for name in ["input.gguf", "input.safetensors", "model.gguf", "table.gguf"] { unlink(directory + "/" + name) }
    rmdir(directory)
}
