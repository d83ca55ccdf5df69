import CkptJSON
import CkptStorage
import Foundation

extension Checkpoint {
    /// Opens a single `.safetensors` file; `config.json` beside it is read when present.
    static func openSafetensorsFile(_ path: String) throws(FormatError) -> Checkpoint {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let (config, configPath) = try readConfig(directory: directory)
        let file = try MappedFile(path: path)
        let header = try SafetensorsFile(file)
        return try Checkpoint(
            path: path, format: .safetensors, files: [file], tensors: header.tensorInfos(fileIndex: 0),
            safetensorsFiles: [header], config: config, configPath: configPath)
    }

    /// Opens a Hugging Face directory: `config.json` plus `model.safetensors` or shards listed by
    /// `model.safetensors.index.json` (every tensor must be in exactly the shard the index names).
    static func openSafetensorsDirectory(_ path: String) throws(FormatError) -> Checkpoint {
        let directory = URL(fileURLWithPath: path)
        let (config, configPath) = try readConfig(directory: path)
        let indexPath = directory.appendingPathComponent(SafetensorsIndex.fileName).path
        let singlePath = directory.appendingPathComponent("model.safetensors").path
        let manager = FileManager.default
        if !manager.fileExists(atPath: indexPath) {
            guard manager.fileExists(atPath: singlePath) else {
                throw FormatError(file: path, "directory has neither model.safetensors nor \(SafetensorsIndex.fileName)")
            }
            try ContainedFile.check(singlePath, in: path)
            let file = try MappedFile(path: singlePath)
            let header = try SafetensorsFile(file)
            return try Checkpoint(
                path: path, format: .safetensors, files: [file], tensors: header.tensorInfos(fileIndex: 0),
                safetensorsFiles: [header], config: config, configPath: configPath)
        }
        try ContainedFile.check(indexPath, in: path)
        let indexFile = try MappedFile(path: indexPath)
        let index = try SafetensorsIndex(bytes: indexFile.allBytes, path: indexPath)
        var files: [MappedFile] = []
        var headers: [SafetensorsFile] = []
        var tensors: [TensorInfo] = []
        var location: [String: String] = [:]
        for (tensor, shard) in index.weightMap {
            guard location.updateValue(shard, forKey: tensor) == nil else {
                throw FormatError(file: indexPath, "tensor listed twice in weight_map", subject: tensor)
            }
        }
        for (position, shard) in index.shardNames.enumerated() {
            let shardPath = directory.appendingPathComponent(shard).path
            guard manager.fileExists(atPath: shardPath) else {
                throw FormatError(file: indexPath, "shard \(QuotedName(shard)) listed in weight_map does not exist")
            }
            try ContainedFile.check(shardPath, in: path)
            let file = try MappedFile(path: shardPath)
            let header = try SafetensorsFile(file)
            for tensor in header.tensors {
                guard let listed = location[tensor.name] else {
                    throw FormatError(file: shardPath, "tensor is not listed in \(SafetensorsIndex.fileName)", subject: tensor.name)
                }
                guard listed == shard else {
                    throw FormatError(file: shardPath, "tensor is listed in \(QuotedName(listed)), not in this shard", subject: tensor.name)
                }
            }
            files.append(file)
            headers.append(header)
            tensors += header.tensorInfos(fileIndex: position)
        }
        let present = Set(tensors.map(\.name))
        if let missing = index.weightMap.first(where: { !present.contains($0.tensor) }) {
            throw FormatError(file: indexPath, "tensor is missing from its shard \(QuotedName(missing.shard))", subject: missing.tensor)
        }
        return try Checkpoint(
            path: path, format: .safetensors, files: files, tensors: tensors, safetensorsFiles: headers,
            safetensorsIndex: index, config: config, configPath: configPath)
    }

    /// `config.json` in `directory`, parsed strictly, or nil when absent.
    static func readConfig(directory: String) throws(FormatError) -> (JSONObject?, String?) {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("config.json").path
        guard FileManager.default.fileExists(atPath: path) else { return (nil, nil) }
        try ContainedFile.check(path, in: directory)
        let file = try MappedFile(path: path)
        let value = try JSONBudget.parse(file.allBytes, file: path, maxBytes: JSONBudget.configBytes)
        guard let object = value.object else { throw FormatError(file: path, "not a JSON object") }
        return (object, path)
    }
}
