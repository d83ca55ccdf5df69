import CkptJSON
import CkptStorage

/// Writes safetensors files as the reference writer does (docs/formats.md, "safetensors writer layout"): compact JSON header with
/// `__metadata__` first, tensors ordered by dtype (widest first) then name so every tensor is aligned
/// to its element size, offsets contiguous from 0, header padded with spaces to a multiple of 8 — and,
/// when a large run of tensors is copied from a source file, by up to 4 KiB more so that the run keeps
/// its source offset modulo 4 KiB and is written straight from the page cache (`DirectCopy`).
public struct SafetensorsWriter {
    /// A tensor to write.
    public struct Tensor {
        public var name: String
        public var dtype: SafetensorsDType
        public var shape: [Int]
        public var byteCount: Int
        public var source: TensorSource

        public init(name: String, dtype: SafetensorsDType, shape: [Int], source: TensorSource) throws(FormatError) {
            guard let elements = checkedProduct(shape), let bytes = TensorType.safetensors(dtype).byteCount(elements: elements)
            else { throw FormatError(file: name, "shape \(shape) of \(dtype.rawValue) is not a whole number of bytes") }
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.byteCount = bytes
            self.source = source
        }
    }

    public var metadata: [(key: String, value: String)]?
    /// Tensors in the order they will be laid out.
    public private(set) var tensors: [Tensor]

    public init(metadata: [(key: String, value: String)]?, tensors: [Tensor]) {
        self.metadata = metadata
        self.tensors = tensors.sorted {
            ($0.dtype.referenceRank, $1.name) > ($1.dtype.referenceRank, $0.name)
        }
    }

    /// Sum of the tensors' byte sizes (the index's `total_size`).
    public var dataSize: Int { tensors.reduce(0) { $0 + $1.byteCount } }

    /// The 8-byte length followed by the padded JSON header.
    public func headerBytes() -> [UInt8] {
        var root = JSONObject()
        if let metadata {
            var entries = JSONObject()
            for (key, value) in metadata { entries[key] = .string(value) }
            root["__metadata__"] = .object(entries)
        }
        var offset = 0
        for tensor in tensors {
            var entry = JSONObject()
            entry["dtype"] = .string(tensor.dtype.rawValue)
            entry["shape"] = .array(tensor.shape.map { .number(JSONNumber($0)) })
            entry["data_offsets"] = .array([.number(JSONNumber(offset)), .number(JSONNumber(offset + tensor.byteCount))])
            root[tensor.name] = .object(entry)
            offset += tensor.byteCount
        }
        var json: [UInt8] = JSONValue.object(root).serializedBytes()
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding(jsonCount: json.count)))
        var out: [UInt8] = []
        appendLittleEndian(UInt64(json.count), to: &out)
        return out + json
    }

    /// Spaces after the JSON: to a multiple of 8, plus the multiple of 8 below 4096 that puts the largest
    /// run of tensors adjacent in one source file at its source offset modulo 4096, when that run is big
    /// enough for a direct copy and the two offsets agree modulo 8.
    func padding(jsonCount: Int) -> Int {
        let toEight = (8 - jsonCount % 8) % 8
        var largest: (source: Int, destination: Int, count: Int)?
        var run: (file: MappedFile, source: Int, destination: Int, count: Int)?
        var offset = 0
        for tensor in tensors {
            if case .mapped(let file, let start) = tensor.source {
                if let current = run, current.file === file, current.source + current.count == start {
                    run?.count += tensor.byteCount
                } else {
                    run = (file, start, offset, tensor.byteCount)
                }
            } else {
                run = nil
            }
            if let run, run.count > largest?.count ?? 0 { largest = (run.source, run.destination, run.count) }
            offset += tensor.byteCount
        }
        let page = DirectCopy.alignment
        guard let largest, largest.count >= DirectCopy.minimumBytes else { return toEight }
        let aligning = ((largest.source - largest.destination - 8 - jsonCount) % page + page) % page
        return (aligning - toEight) % 8 == 0 ? aligning : toEight
    }

    /// Writes the file to `output` (the caller commits it).
    public func write(to output: OutputFile) throws {
        try output.write(headerBytes())
        try writeTensors(tensors.map { ($0.name, $0.byteCount, $0.source) }, alignment: 1, to: output)
    }
}
