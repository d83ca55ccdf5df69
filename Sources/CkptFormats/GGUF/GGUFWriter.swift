import CkptStorage

/// Writes GGUF v3 files the way llama.cpp's writers lay them out (docs/formats.md, "GGUF writer layout"): header, metadata
/// in the given order, tensor infos with sequentially packed offsets, zero padding to the alignment
/// before the data and after every tensor, the last one included.
public struct GGUFWriter {
    /// A tensor to write: GGUF dimension order (`ne[0]` innermost).
    public struct Tensor {
        public var name: String
        public var dimensions: [Int]
        public var type: GGMLType
        public var byteCount: Int
        public var source: TensorSource

        public init(name: String, dimensions: [Int], type: GGMLType, source: TensorSource) throws(FormatError) {
            guard let elements = checkedProduct(dimensions), let bytes = type.byteCount(elements: elements) else {
                throw FormatError(file: name, "shape \(dimensions) is not a whole number of \(type.name) blocks")
            }
            self.name = name
            self.dimensions = dimensions
            self.type = type
            self.byteCount = bytes
            self.source = source
        }
    }

    public var metadata: [GGUFKeyValue]
    public var tensors: [Tensor]

    public init(metadata: [GGUFKeyValue], tensors: [Tensor]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The alignment the metadata asks for (`general.alignment`), or 32.
    public var alignment: Int {
        if case .uint32(let value)? = metadata.first(where: { $0.key == "general.alignment" })?.value {
            return Int(value)
        }
        return GGUFFile.defaultAlignment
    }

    /// The header: everything before the data section, padding included.
    public func headerBytes() throws(FormatError) -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        appendLittleEndian(UInt32(3), to: &out)
        appendLittleEndian(UInt64(tensors.count), to: &out)
        appendLittleEndian(UInt64(metadata.count), to: &out)
        for entry in metadata {
            GGUFValue.string(entry.key).appendScalar(to: &out)
            appendLittleEndian(entry.value.type.rawValue, to: &out)
            entry.value.appendScalar(to: &out)
        }
        var offset = 0
        for tensor in tensors {
            guard tensor.name.utf8.count <= GGUFFile.maximumNameLength else {
                throw FormatError(file: tensor.name, "tensor name longer than \(GGUFFile.maximumNameLength) bytes")
            }
            GGUFValue.string(tensor.name).appendScalar(to: &out)
            appendLittleEndian(UInt32(tensor.dimensions.count), to: &out)
            for dim in tensor.dimensions { appendLittleEndian(UInt64(dim), to: &out) }
            appendLittleEndian(tensor.type.rawValue, to: &out)
            appendLittleEndian(UInt64(offset), to: &out)
            offset += alignUp(tensor.byteCount, to: alignment)!
        }
        let padded = alignUp(out.count, to: alignment)!
        out.append(contentsOf: repeatElement(0, count: padded - out.count))
        return out
    }

    /// Writes the whole file to `output` (not committed: the caller commits).
    public func write(to output: OutputFile) throws {
        try output.write(try headerBytes())
        try writeTensors(tensors.map { ($0.name, $0.byteCount, $0.source) }, alignment: alignment, to: output)
    }
}
