import CkptFormats
import Foundation

/// A sample GGUF with edited metadata or tensor values, written back as a valid container: for model
/// files whose bytes parse but whose numbers make no sense (issue 14's semantic traps).
public struct EditedGGUF {
    /// The metadata to write, in order.
    public var metadata: [GGUFKeyValue]
    /// `general.architecture`, the prefix of the keys `set` and `remove` take with a leading ".".
    public let architecture: String
    private let source: Checkpoint
    private var data: [UInt8]
    private var names: [String: String] = [:]

    /// Reads the single-file GGUF at `path`.
    public init(_ path: String) throws {
        source = try Checkpoint.open(path)
        let file = source.ggufFiles[0]
        metadata = file.metadata
        architecture = source.architecture ?? ""
        data = Array(try Data(contentsOf: URL(fileURLWithPath: path))[file.dataOffset...])
    }

    private func fullKey(_ key: String) -> String { key.hasPrefix(".") ? architecture + key : key }

    /// Sets `key` (".x" for `<architecture>.x`), adding it when absent.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        let full = fullKey(key)
        if let index = metadata.firstIndex(where: { $0.key == full }) {
            metadata[index].value = value
        } else {
            metadata.append(GGUFKeyValue(full, value))
        }
    }

    /// Removes `key` (".x" for `<architecture>.x`).
    public mutating func remove(_ key: String) {
        let full = fullKey(key)
        metadata.removeAll { $0.key == full }
    }

    /// Overwrites value `index` of the F32 tensor `name` with `value`.
    public mutating func setValue(_ value: Float, of name: String, at index: Int = 0) {
        let tensor = source.ggufFiles[0].tensors.first { $0.name == name }!
        precondition(tensor.type == .f32, "\(name) is not F32")
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes in
            for (k, byte) in bytes.enumerated() { data[tensor.offset + 4 * index + k] = byte }
        }
    }

    /// Writes tensor `name` as `newName`, so the model no longer finds it under its own name.
    public mutating func rename(tensor name: String, to newName: String) { names[name] = newName }

    /// Writes the file to `path`: the new header, then the original data section (its offsets unchanged).
    public func write(to path: String) throws {
        let file = source.ggufFiles[0]
        let tensors = try file.tensors.map { tensor in
            try GGUFWriter.Tensor(
                name: names[tensor.name] ?? tensor.name, dimensions: tensor.dimensions, type: tensor.type,
                source: .mapped(source.files[0], offset: file.dataOffset + tensor.offset))
        }
        let header = try GGUFWriter(metadata: metadata, tensors: tensors).headerBytes()
        try Data(header + data).write(to: URL(fileURLWithPath: path))
    }
}
