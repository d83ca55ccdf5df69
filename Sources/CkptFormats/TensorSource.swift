import CkptStorage
import Foundation

/// Where the bytes of a tensor being written come from.
public enum TensorSource {
    /// Copied from a range of a mapped file.
    case mapped(MappedFile, offset: Int)
    /// Produced by a closure that must write exactly the tensor's byte count to the sink. It runs on
    /// its own thread, writing at the tensor's final offset, while the other tensors are copied.
    case producer((any ByteSink) throws -> Void)
}

/// Writes tensors one after the other (each followed by padding to `alignment`), copying mapped ones
/// with direct I/O (runs of tensors adjacent in their file as one range) and running producers
/// concurrently into their own regions.
func writeTensors(_ tensors: [(name: String, byteCount: Int, source: TensorSource)], alignment: Int, to output: OutputFile) throws {
    let producers = ThreadGroup()
    var run: (file: MappedFile, offset: Int, count: Int)?
    func copyRun() throws {
        guard let pending = run else { return }
        run = nil
        try output.copyDirect(from: pending.file, offset: pending.offset, count: pending.count)
    }
    for tensor in tensors {
        switch tensor.source {
        case .mapped(let file, let offset):
            try file.checkUnchanged()
            if let pending = run, pending.file === file, pending.offset + pending.count == offset {
                run?.count += tensor.byteCount
            } else {
                try copyRun()
                run = (file, offset, tensor.byteCount)
            }
        case .producer(let produce):
            try copyRun()
            let job = ProducerJob(
                produce: produce, writer: try output.positionedWriter(), path: output.path, name: tensor.name,
                expected: tensor.byteCount)
            producers.start(stackSize: 1 << 23) { try job.run() }
            try output.skip(tensor.byteCount)
        }
        if tensor.byteCount % alignment != 0 {
            try copyRun()
            try output.pad(to: alignment)
        }
    }
    try copyRun()
    try producers.wait()
}

/// One producer running on its own thread; it alone touches its writer.
private final class ProducerJob: @unchecked Sendable {
    let produce: (any ByteSink) throws -> Void
    let writer: PositionedWriter
    let path: String
    let name: String
    let expected: Int

    init(produce: @escaping (any ByteSink) throws -> Void, writer: PositionedWriter, path: String, name: String, expected: Int) {
        self.produce = produce
        self.writer = writer
        self.path = path
        self.name = name
        self.expected = expected
    }

    func run() throws {
        try produce(writer)
        try writer.finish()
        if writer.written != expected {
            throw FormatError(file: path, "wrote \(writer.written) bytes for tensor \(name), expected \(expected)")
        }
    }
}
