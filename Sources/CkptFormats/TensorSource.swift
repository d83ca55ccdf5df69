/// Where the bytes of a tensor being written come from.
public enum TensorSource {
    /// Copied from a range of a mapped file.
    case mapped(MappedFile, offset: Int)
    /// Produced by a closure that must write exactly the tensor's byte count to the output.
    case producer((OutputFile) throws -> Void)

    /// Writes the tensor's bytes to `output` and checks that exactly `byteCount` were written.
    func write(_ name: String, byteCount: Int, to output: OutputFile) throws {
        let start = output.position
        switch self {
        case .mapped(let file, let offset):
            try file.checkUnchanged()
            try output.copy(from: file, offset: offset, count: byteCount)
        case .producer(let produce):
            try produce(output)
        }
        guard output.position - start == byteCount else {
            throw FormatError(
                file: output.path, "wrote \(output.position - start) bytes for tensor \(name), expected \(byteCount)")
        }
    }
}
