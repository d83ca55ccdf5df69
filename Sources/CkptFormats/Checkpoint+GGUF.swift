import CkptStorage
import Foundation

extension Checkpoint {
    /// Opens a GGUF file, or all shards of a split one (`name-00001-of-00003.gguf`, any shard given),
    /// applying llama-model-loader's checks (docs/formats.md, "Split GGUF").
    static func openGGUF(_ path: String) throws(FormatError) -> Checkpoint {
        let paths = Self.ggufShardPaths(path) ?? [path]
        var files: [MappedFile] = []
        var headers: [GGUFFile] = []
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        for shardPath in paths {
            // The shards found by name, not the one given, must stay in its directory.
            if shardPath != path { try ContainedFile.check(shardPath, in: directory) }
            let file = try MappedFile(path: shardPath)
            files.append(file)
            headers.append(try GGUFFile(file))
        }
        let first = headers[0]
        let declaredCount = first["split.count"]?.integer ?? 1
        guard declaredCount == paths.count else {
            throw FormatError(
                file: paths[0],
                paths.count == 1
                    ? "split.count says \(declaredCount) shards, but the file name has no -00001-of-0000N suffix"
                    : "split.count says \(declaredCount) shards, the file names say \(paths.count)")
        }
        var tensors: [TensorInfo] = []
        for (position, header) in headers.enumerated() {
            if paths.count > 1 {
                guard header["split.no"]?.integer == position else {
                    throw FormatError(
                        file: header.path, "split.no is \(header["split.no"]?.integer.map(String.init) ?? "missing"), expected \(position)")
                }
                guard header["split.count"]?.integer == paths.count else {
                    throw FormatError(file: header.path, "split.count disagrees with the first shard")
                }
            }
            tensors += header.tensorInfos(fileIndex: position)
        }
        if paths.count > 1 {
            let declared = first["split.tensors.count"]?.integer
            guard declared == tensors.count else {
                throw FormatError(
                    file: paths[0], "split.tensors.count is \(declared.map(String.init) ?? "missing"), the shards hold \(tensors.count)")
            }
        }
        return try Checkpoint(path: path, format: .gguf, files: files, tensors: tensors, ggufFiles: headers)
    }

    /// The paths for a GGUF written as `count` shards: `output` itself for one; for more, the shards
    /// `output` names when it is already `name-0000i-of-0000N.gguf`, else `output`'s stem with that suffix.
    public static func ggufOutputPaths(_ output: String, count: Int) -> [String] {
        guard count > 1 else { return [output] }
        if let paths = ggufShardPaths(output), paths.count == count { return paths }
        let stem = output.hasSuffix(".gguf") ? String(output.dropLast(5)) : output
        return (1...count).map { "\(stem)-\(paddedNumber($0))-of-\(paddedNumber(count)).gguf" }
    }

    /// The paths of every shard when `path` names a split GGUF, nil otherwise.
    static func ggufShardPaths(_ path: String) -> [String]? {
        // <prefix>-%05d-of-%05d.gguf
        let suffix = ".gguf"
        guard path.hasSuffix(suffix) else { return nil }
        let stem = path.dropLast(suffix.count)
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[parts.count - 2] == "of",
            let count = Int(parts[parts.count - 1]), let number = Int(parts[parts.count - 3]),
            parts[parts.count - 1].count == 5, parts[parts.count - 3].count == 5,
            count >= 1, number >= 1, number <= count
        else { return nil }
        let prefix = parts.dropLast(3).joined(separator: "-")
        return (1...count).map { "\(prefix)-\(paddedNumber($0))-of-\(paddedNumber(count)).gguf" }
    }
}
