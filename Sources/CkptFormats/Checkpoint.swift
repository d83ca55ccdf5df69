import CkptJSON
import CkptStorage
import Foundation

/// An opened model checkpoint in either format: its files mapped, every header validated, and one
/// table of tensors across shards. Tensor bytes stay in the mappings until asked for.
public final class Checkpoint: @unchecked Sendable {
    public enum Format: String, Sendable, Codable {
        case gguf
        case safetensors
    }

    /// The path the user gave (a file or a directory).
    public let path: String
    public let format: Format
    /// The mapped files, in shard order.
    public let files: [MappedFile]
    /// Every tensor, in file order (shard by shard).
    public let tensors: [TensorInfo]
    /// GGUF headers, one per shard (empty for safetensors).
    public let ggufFiles: [GGUFFile]
    /// safetensors headers, one per shard (empty for GGUF).
    public let safetensorsFiles: [SafetensorsFile]
    /// The shard index, for a sharded safetensors checkpoint.
    public let safetensorsIndex: SafetensorsIndex?
    /// `config.json` beside a safetensors checkpoint, if present.
    public let config: JSONObject?
    /// Where `config` was read from.
    public let configPath: String?
    private let tensorIndex: [String: Int]

    init(
        path: String, format: Format, files: [MappedFile], tensors: [TensorInfo], ggufFiles: [GGUFFile] = [],
        safetensorsFiles: [SafetensorsFile] = [], safetensorsIndex: SafetensorsIndex? = nil,
        config: JSONObject? = nil, configPath: String? = nil
    ) throws(FormatError) {
        self.path = path
        self.format = format
        self.files = files
        self.tensors = tensors
        self.ggufFiles = ggufFiles
        self.safetensorsFiles = safetensorsFiles
        self.safetensorsIndex = safetensorsIndex
        self.config = config
        self.configPath = configPath
        var index: [String: Int] = [:]
        for (position, tensor) in tensors.enumerated() {
            guard index.updateValue(position, forKey: tensor.name) == nil else {
                throw FormatError(file: files[tensor.fileIndex].path, "tensor appears twice", subject: tensor.name)
            }
        }
        tensorIndex = index
    }

    /// Opens `argument`: a `.gguf` file (split files are found from any shard's name), a `.safetensors`
    /// file (with `config.json` beside it when present), a Hugging Face directory, or a model in the local
    /// Hugging Face cache (`hf:ORG/NAME[@REV]` or its `models--ORG--NAME` directory).
    public static func open(_ argument: String) throws(FormatError) -> Checkpoint {
        let path = try HuggingFaceCache.resolve(argument)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FormatError(file: path, "no such file or directory")
        }
        if isDirectory.boolValue { return try openSafetensorsDirectory(path) }
        if path.hasSuffix(".gguf") { return try openGGUF(path) }
        if path.hasSuffix(".safetensors") { return try openSafetensorsFile(path) }
        // Decide by content for files with other names.
        let file = try MappedFile(path: path)
        let head = try file.bytes(at: 0, count: min(4, file.size))
        if Array(head) == Array("GGUF".utf8) { return try openGGUF(path) }
        throw FormatError(
            file: path, "not a model: expected a .gguf file, a .safetensors file or a Hugging Face model directory")
    }

    /// The tensor called `name`, if present.
    public func tensor(named name: String) -> TensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The file holding `tensor`.
    public func file(of tensor: TensorInfo) -> MappedFile { files[tensor.fileIndex] }

    /// The raw bytes of `tensor`, after checking its file has not shrunk.
    public func bytes(of tensor: TensorInfo) throws(FormatError) -> UnsafeRawBufferPointer {
        let file = files[tensor.fileIndex]
        try file.checkUnchanged()
        return try file.bytes(at: tensor.offset, count: tensor.byteCount)
    }

    /// The raw bytes of rows `rows` of `tensor` viewed as `[rowCount, rowLength]`.
    public func bytes(of tensor: TensorInfo, rows: Range<Int>) throws(FormatError) -> UnsafeRawBufferPointer {
        guard let rowBytes = tensor.type.byteCount(elements: tensor.rowLength) else {
            throw FormatError(file: files[tensor.fileIndex].path, "rows are not whole blocks", subject: tensor.name)
        }
        let rowCount = tensor.rowLength == 0 ? 0 : tensor.elementCount / tensor.rowLength
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw FormatError(
                file: files[tensor.fileIndex].path, "rows \(rows.lowerBound) to \(rows.upperBound - 1) are outside 0 to \(rowCount - 1)",
                subject: tensor.name)
        }
        let file = files[tensor.fileIndex]
        try file.checkUnchanged()
        return try file.bytes(at: tensor.offset + rows.lowerBound * rowBytes, count: rows.count * rowBytes)
    }

    /// Decodes `tensor` (or rows of it) to f32, dequantizing as needed.
    public func floats(of tensor: TensorInfo, rows: Range<Int>? = nil) throws(FormatError) -> [Float] {
        let raw: UnsafeRawBufferPointer
        if let rows { raw = try bytes(of: tensor, rows: rows) } else { raw = try bytes(of: tensor) }
        let count = rows.map { $0.count * tensor.rowLength } ?? tensor.elementCount
        var result = [Float](repeating: 0, count: count)
        try result.withUnsafeMutableBufferPointer { out in
            Result { () throws(FormatError) in
                try decodeFloats(tensor.type, raw, into: out, file: files[tensor.fileIndex].path, tensor: tensor.name)
            }
        }.get()
        if raw.count >= 1 << 20, let start = raw.baseAddress {
            let file = files[tensor.fileIndex]
            file.release(offset: start - file.allBytes.baseAddress!, count: raw.count)
        }
        return result
    }

    /// Metadata of a GGUF checkpoint (the first shard's), empty for safetensors.
    public var ggufMetadata: [GGUFKeyValue] { ggufFiles.first?.metadata ?? [] }

    /// The architecture name: `general.architecture` for GGUF, `model_type` of config.json otherwise.
    public var architecture: String? {
        switch format {
        case .gguf: ggufFiles.first?["general.architecture"]?.string
        case .safetensors: config?["model_type"]?.string
        }
    }
}

extension Checkpoint {
    /// Oddities the readers accept and `inspect` reports: trailing bytes after a GGUF file's data, a
    /// missing final pad, tensor offsets not packed in order.
    public var warnings: [String] {
        ggufFiles.flatMap { file -> [String] in
            var notes: [String] = []
            if file.trailingBytes > 0 { notes.append("\(file.path): \(file.trailingBytes) trailing bytes after the data") }
            if file.lacksFinalPadding { notes.append("\(file.path): the last tensor's padding is missing") }
            if !file.hasSequentialLayout { notes.append("\(file.path): tensor offsets are not packed in order") }
            return notes
        }
    }
}
