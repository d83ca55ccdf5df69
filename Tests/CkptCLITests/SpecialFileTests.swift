import CkptTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A FIFO, socket or device given as a model, or found where a model's side file (config.json, the
/// index, a shard, a cache ref) should be, is refused at once with one line; ckpt never blocks on it
/// (docs/formats.md, "Hostile inputs", row 51). Each run has a deadline, so a regression fails rather than hangs.
@Suite(.removesTemporaryDirectories) struct SpecialFileTests {
    static let deadline = 20.0

    /// Runs `ckpt inspect TARGET` and expects a prompt refusal naming `file` and `problem`.
    func expectRefused(
        _ target: String, file: String, _ problem: String, environment: [String: String]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let timed = try runCkpt(["inspect", target], within: Self.deadline, environment: environment)
        #expect(!timed.timedOut, "ckpt blocked on \(file)", sourceLocation: sourceLocation)
        #expect(timed.run.status == 2, "\(timed.run.stderr)", sourceLocation: sourceLocation)
        #expect(timed.run.stderr.hasPrefix("ckpt: error: \(file): "), "\(timed.run.stderr)", sourceLocation: sourceLocation)
        #expect(timed.run.stderr.contains(problem), "\(timed.run.stderr)", sourceLocation: sourceLocation)
        #expect(timed.run.stderr.split(separator: "\n").count == 1, "\(timed.run.stderr)", sourceLocation: sourceLocation)
    }

    /// A copy of the tiny llama's Hugging Face directory whose `name` is replaced by a FIFO.
    func modelWithFIFO(_ name: String, sharded: Bool = false) throws -> (directory: String, fifo: String) {
        let root = try makeScopedTemporaryDirectory("special")
        let directory = root.appendingPathComponent("model").path
        try FileManager.default.copyItem(atPath: Samples.url(sharded ? "zoo/llama-sharded" : "tiny/llama/hf-f32").path, toPath: directory)
        let fifo = directory + "/" + name
        try? FileManager.default.removeItem(atPath: fifo)
        #expect(mkfifo(fifo, 0o644) == 0)
        return (directory, fifo)
    }

    @Test func aFIFOAsTheModelIsRefused() throws {
        let root = try makeScopedTemporaryDirectory("special")
        for name in ["model.gguf", "model.safetensors", "model.bin"] {
            let fifo = root.appendingPathComponent(name).path
            #expect(mkfifo(fifo, 0o644) == 0)
            try expectRefused(fifo, file: fifo, "is a FIFO, not a regular file")
        }
    }

    @Test func aFIFOBesideTheWeightsIsRefused() throws {
        var (directory, fifo) = try modelWithFIFO("config.json")
        try expectRefused(directory, file: fifo, "is a FIFO, not a regular file")
        (directory, fifo) = try modelWithFIFO("model.safetensors")
        try expectRefused(directory, file: fifo, "is a FIFO, not a regular file")
        (directory, fifo) = try modelWithFIFO("model.safetensors.index.json", sharded: true)
        try expectRefused(directory, file: fifo, "is a FIFO, not a regular file")
        (directory, fifo) = try modelWithFIFO("model-00002-of-00002.safetensors", sharded: true)
        try expectRefused(directory, file: fifo, "is a FIFO, not a regular file")
    }

    @Test func devicesAndSocketsAreRefused() throws {
        try expectRefused("/dev/zero", file: "/dev/zero", "is a character device, not a regular file")
        let root = try makeScopedTemporaryDirectory("special")
        let path = root.appendingPathComponent("model.gguf").path
        let socketDescriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketDescriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "cannot bind a socket at \(path)")
        try expectRefused(path, file: path, "is a socket, not a regular file")
    }

    @Test func aFIFOAsACacheRefIsRefused() throws {
        let root = try makeScopedTemporaryDirectory("special")
        let repository = root.appendingPathComponent("models--org--name")
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("snapshots"), withIntermediateDirectories: true)
        let ref = repository.appendingPathComponent("refs/main").path
        #expect(mkfifo(ref, 0o644) == 0)
        let timed = try runCkpt(["inspect", "hf:org/name"], within: Self.deadline, environment: ["HF_HUB_CACHE": root.path])
        #expect(!timed.timedOut, "ckpt blocked on refs/main")
        #expect(timed.run.status == 2, "\(timed.run.stderr)")
        #expect(timed.run.stderr.contains("the cache has no revision main"), "\(timed.run.stderr)")
    }
}
