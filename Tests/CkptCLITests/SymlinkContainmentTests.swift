import CkptTestSupport
import Foundation
import Testing

/// A model directory's config.json, index and shards (and a split GGUF's other files) are read only
/// when they resolve inside it: a symbolic link out of it is refused before its target is read, so
/// nothing of the target reaches the error line. Links within the directory, and a Hugging Face
/// cache's links from `snapshots/HASH` into `blobs/` of the same `models--ORG--NAME`, are followed.
@Suite(.removesTemporaryDirectories) struct SymlinkContainmentTests {
    /// What the link's target holds: text that must never be echoed.
    static let secret = #"{"SECRET-TOKEN-4711": "hunter2"}"#

    /// `root/model` (a copy of `sample`) and `root/outside/secret.json`.
    func workspace(_ sample: String = "tiny/llama/hf-f32") throws -> (root: URL, model: String, secret: String) {
        let root = try makeScopedTemporaryDirectory("symlinks")
        let model = root.appendingPathComponent("model").path
        try FileManager.default.copyItem(atPath: Samples.url(sample).path, toPath: model)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("outside"), withIntermediateDirectories: true)
        let secret = root.appendingPathComponent("outside/secret.json").path
        try Data(Self.secret.utf8).write(to: URL(fileURLWithPath: secret))
        return (root, model, secret)
    }

    /// Replaces `path` by a symbolic link to `target`.
    func link(_ path: String, to target: String) throws {
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    func expectRefused(_ arguments: [String], _ file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try runCkpt(arguments)
        #expect(run.status == 2, "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(
            run.stderr.hasPrefix("ckpt: error: \(file): is a symbolic link leading outside its model directory"), "\(run.stderr)",
            sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("SECRET") && !run.stderr.contains("hunter2"), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.split(separator: "\n").count == 1, sourceLocation: sourceLocation)
    }

    @Test func aConfigLinkedOutsideIsRefusedUnread() throws {
        let w = try workspace()
        try link(w.model + "/config.json", to: w.secret)
        try expectRefused(["inspect", w.model], w.model + "/config.json")
        try expectRefused(["inspect", w.model + "/model.safetensors"], w.model + "/config.json")
        try expectRefused(["logits", w.model, "--tokens", "1,2", "--out", w.root.path + "/l.npy"], w.model + "/config.json")
    }

    @Test func weightsAndIndexLinkedOutsideAreRefused() throws {
        var w = try workspace()
        try link(w.model + "/model.safetensors", to: Samples.url("tiny/llama/hf-f32/model.safetensors").path)
        try expectRefused(["inspect", w.model], w.model + "/model.safetensors")
        w = try workspace("zoo/llama-sharded")
        try link(w.model + "/model.safetensors.index.json", to: w.secret)
        try expectRefused(["inspect", w.model], w.model + "/model.safetensors.index.json")
        w = try workspace("zoo/llama-sharded")
        try link(w.model + "/model-00002-of-00002.safetensors", to: Samples.url("zoo/llama-sharded/model-00002-of-00002.safetensors").path)
        try expectRefused(["inspect", w.model], w.model + "/model-00002-of-00002.safetensors")
    }

    @Test func aSplitGGUFShardLinkedOutsideIsRefused() throws {
        let w = try workspace("zoo/llama-split")
        let shards = try FileManager.default.contentsOfDirectory(atPath: w.model).filter { $0.hasSuffix(".gguf") }.sorted()
        try #require(shards.count >= 2)
        try link(w.model + "/" + shards[1], to: Samples.url("zoo/llama-split/" + shards[1]).path)
        try expectRefused(["inspect", w.model + "/" + shards[0]], w.model + "/" + shards[1])
    }

    @Test func linksWithinTheDirectoryAreFollowed() throws {
        let w = try workspace()
        try FileManager.default.createDirectory(atPath: w.model + "/weights", withIntermediateDirectories: false)
        try FileManager.default.moveItem(atPath: w.model + "/model.safetensors", toPath: w.model + "/weights/real.safetensors")
        try FileManager.default.createSymbolicLink(atPath: w.model + "/model.safetensors", withDestinationPath: "weights/real.safetensors")
        let run = try runCkpt(["inspect", w.model])
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func aCacheSnapshotLinkMayNotLeaveItsRepository() throws {
        let w = try workspace()
        let repository = w.root.appendingPathComponent("hub/models--org--name")
        let snapshot = repository.appendingPathComponent("snapshots/" + String(repeating: "c", count: 40)).path
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("blobs"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: w.model + "/model.safetensors", toPath: repository.appendingPathComponent("blobs/b1").path)
        try FileManager.default.createSymbolicLink(atPath: snapshot + "/model.safetensors", withDestinationPath: "../../blobs/b1")
        try FileManager.default.createSymbolicLink(
            atPath: snapshot + "/config.json", withDestinationPath: "../../../../outside/secret.json")
        try expectRefused(["inspect", snapshot], snapshot + "/config.json")
        // The same layout with the config in the repository's blobs opens.
        try FileManager.default.copyItem(atPath: w.model + "/config.json", toPath: repository.appendingPathComponent("blobs/b2").path)
        try link(snapshot + "/config.json", to: "../../blobs/b2")
        let run = try runCkpt(["inspect", snapshot])
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func theLegacySamplesHoldTheirOwnWeights() throws {
        for variant in ["deepseek_v3", "gemma3", "llama-yarn", "phi3-longrope-long"] {
            let path = Samples.url("tiny/\(variant)/hf-f32-legacy/model.safetensors").path
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect(attributes[.type] as? FileAttributeType == .typeRegular, "\(path) is a link")
        }
    }
}
