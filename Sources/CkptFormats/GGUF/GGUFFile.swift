import CkptStorage

// GGUF v2/v3 (the GGUF spec in the ggml repository; docs/formats.md, "GGUF layout", "GGUF header checks",
// "Hostile inputs"). All integers little-endian, packed:
//
//   magic "GGUF" | u32 version (2|3) | u64 tensor_count | u64 kv_count
//   kv_count ×   { string key | u32 value_type | value }          string = u64 length + bytes
//   tensor_count × { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
//   zero padding to general.alignment (default 32), counted from the file start
//   data: each tensor at data_offset + offset, zero-padded to the alignment, the last one too
//
// Arrays are { u32 element_type | u64 count | elements }; nested arrays are rejected (as gguf.cpp does).
// Every count and length is bounded by what is left in the file before anything is allocated.

/// One metadata entry, in file order.
public struct GGUFKeyValue: Sendable, Equatable {
    public var key: String
    public var value: GGUFValue

    public init(_ key: String, _ value: GGUFValue) {
        self.key = key
        self.value = value
    }
}

/// A tensor-info record as stored: GGUF dimension order (`ne[0]` innermost) and an offset relative to
/// the data section.
public struct GGUFTensorInfo: Sendable, Equatable {
    public var name: String
    /// `ne`, innermost first, with the rank the file gave (trailing 1s may have been dropped by the writer).
    public var dimensions: [Int]
    public var type: GGMLType
    /// Offset from the start of the data section.
    public var offset: Int
    public var byteCount: Int

    /// Row-major shape (numpy order): `dimensions` reversed.
    public var shape: [Int] { dimensions.reversed() }
}

/// The parsed header of one GGUF file; tensor bytes stay in the mapping.
public struct GGUFFile: Sendable {
    public static let defaultAlignment = 32
    /// Largest `general.alignment` accepted; larger values only serve to make padding overflow.
    public static let maximumAlignment = 1 << 20
    /// llama.cpp's GGML_MAX_NAME is 64 including the NUL, so names have at most 63 bytes.
    public static let maximumNameLength = 63
    static let maximumStringLength = 1 << 30
    static let maximumArrayCount = 1 << 30
    /// Budgets that keep the parsed header's memory under about 4× its bytes whatever the file
    /// (README.md, "What the readers check"): metadata records (real files hold under 100, arrays being
    /// one record each); strings and arrays, which must end in the first `maximumHeaderBytes` of the file
    /// (a 262,144-token vocabulary with its merges takes ~20 MiB; arrays are copied once); and tensor
    /// records, each ~300 bytes parsed from as few as 25: any count up to `minimumTensorBudget`, above it
    /// one per `bytesPerTensor` bytes of the file, never above `maximumTensorCount`.
    public static let maximumMetadataCount = 1 << 16
    public static let maximumHeaderBytes = 128 << 20
    public static let minimumTensorBudget = 1 << 16
    public static let bytesPerTensor = 128
    public static let maximumTensorCount = 1 << 20

    public var path: String
    public var version: UInt32
    public var metadata: [GGUFKeyValue]
    public var tensors: [GGUFTensorInfo]
    public var alignment: Int
    /// Absolute offset of the data section.
    public var dataOffset: Int
    public var fileSize: Int
    /// Bytes after the last tensor's padded end (accepted, as llama.cpp does, but reported).
    public var trailingBytes: Int { max(0, fileSize - paddedDataEnd) }
    /// Whether the file stops before the last tensor's padding (loads when mapped, not with a full read).
    public var lacksFinalPadding: Bool { fileSize < paddedDataEnd }
    /// Whether offsets are packed exactly as llama.cpp writes and requires them.
    public var hasSequentialLayout: Bool
    var paddedDataEnd: Int

    /// The value for `key`, if present.
    public subscript(key: String) -> GGUFValue? {
        metadata.first { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// Parses and validates the whole header of `file`. Tensor bytes are bounds-checked, not read.
    public init(_ file: MappedFile) throws(FormatError) {
        var reader = ByteReader(file.allBytes, file: file.path)
        path = file.path
        fileSize = file.size

        guard file.size >= 4 else {
            throw FormatError(file: file.path, "not a GGUF file: \(file.size) bytes, too short for the magic")
        }
        let magic = try reader.readBytes(4, "magic")
        guard Array(magic) == Array("GGUF".utf8) else {
            throw FormatError(file: file.path, "not a GGUF file: magic is \(Self.describeMagic(magic)), expected \"GGUF\"")
        }
        version = try reader.readInteger(UInt32.self, "version")
        switch version {
        case 2, 3: break
        case 0: throw FormatError(file: file.path, "unsupported GGUF version 0 (only 2 and 3)")
        case 1: throw FormatError(file: file.path, "GGUF version 1 is obsolete and not supported (only 2 and 3)")
        case let v where v & 0xFFFF == 0:
            throw FormatError(file: file.path, "big-endian GGUF (version field reads 0x\(String(v, radix: 16))) is not supported")
        default: throw FormatError(file: file.path, "unsupported GGUF version \(version) (only 2 and 3)")
        }
        let tensorCount = try reader.readInteger(UInt64.self, "tensor count")
        let kvCount = try reader.readInteger(UInt64.self, "metadata count")
        // The smallest KV record is 8 (key length) + 1 (key) + 4 (type) + 1 (u8 value) bytes;
        // the smallest tensor info is 8 + 0 + 4 + 4 + 8 bytes (n_dims = 0, empty name).
        guard kvCount <= UInt64(reader.remaining / 14) else {
            throw reader.error("metadata count \(kvCount) cannot fit in the \(reader.remaining) bytes left", at: 16)
        }
        guard tensorCount <= UInt64(reader.remaining / 24) else {
            throw reader.error("tensor count \(tensorCount) cannot fit in the \(reader.remaining) bytes left", at: 8)
        }
        guard kvCount <= UInt64(Self.maximumMetadataCount) else {
            throw reader.error("metadata count \(kvCount) is more than the \(Self.maximumMetadataCount) allowed", at: 16)
        }
        let tensorBudget = min(Self.maximumTensorCount, max(Self.minimumTensorBudget, file.size / Self.bytesPerTensor))
        guard tensorCount <= UInt64(tensorBudget) else {
            throw reader.error(
                "tensor count \(tensorCount) is more than the \(tensorBudget) a \(file.size)-byte file may hold (up to "
                    + "\(Self.minimumTensorBudget), else one per \(Self.bytesPerTensor) bytes, at most \(Self.maximumTensorCount))",
                at: 8)
        }

        var metadata: [GGUFKeyValue] = []
        metadata.reserveCapacity(min(Int(kvCount), 4096))
        var seenKeys = Set<[UInt8]>()
        for index in 0..<Int(kvCount) {
            let start = reader.position
            let key = try Self.readName(&reader, "key of metadata entry #\(index)")
            guard !key.isEmpty else { throw reader.error("metadata entry #\(index) has an empty key", at: start) }
            guard seenKeys.insert(Array(key.utf8)).inserted else {
                throw reader.error("duplicate metadata key", subject: key, at: start)
            }
            let value = try Self.readValue(&reader, key: key)
            metadata.append(GGUFKeyValue(key, value))
        }
        self.metadata = metadata

        alignment = Self.defaultAlignment
        if let entry = metadata.first(where: { $0.key == "general.alignment" }) {
            guard case .uint32(let value) = entry.value else {
                throw FormatError(file: file.path, "general.alignment must be a u32, found \(entry.value.type)")
            }
            guard value > 0, value & (value - 1) == 0, Int(value) <= Self.maximumAlignment else {
                throw FormatError(
                    file: file.path,
                    "general.alignment \(value) is not a power of two between 1 and \(Self.maximumAlignment)")
            }
            alignment = Int(value)
        }

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(min(Int(tensorCount), 4096))
        var seenNames = Set<[UInt8]>()
        for index in 0..<Int(tensorCount) {
            let start = reader.position
            let name = try Self.readName(&reader, "name of tensor #\(index)")
            guard name.utf8.count <= Self.maximumNameLength else {
                throw reader.error(
                    "tensor name is \(name.utf8.count) bytes, longer than llama.cpp's limit of \(Self.maximumNameLength)",
                    subject: name, at: start)
            }
            guard !name.utf8.contains(0) else {
                throw reader.error("tensor name contains a NUL byte", subject: name.debugDescription, at: start)
            }
            guard seenNames.insert(Array(name.utf8)).inserted else {
                throw reader.error("duplicate tensor name", subject: name, at: start)
            }
            let rank = try reader.readInteger(UInt32.self, "rank of tensor \(name)")
            guard rank <= 4 else { throw reader.error("tensor has \(rank) dimensions, at most 4 allowed", subject: name) }
            var dimensions: [Int] = []
            for axis in 0..<Int(rank) {
                let raw = try reader.readInteger(UInt64.self, "dimension \(axis) of tensor \(name)")
                guard let dim = Int(exactly: raw) else {
                    throw reader.error("dimension \(axis) is \(raw), negative as a signed 64-bit value", subject: name)
                }
                dimensions.append(dim)
            }
            let typePosition = reader.position
            let rawType = try reader.readInteger(UInt32.self, "type of tensor \(name)")
            guard let type = GGMLType(rawValue: rawType) else {
                throw reader.error("unsupported tensor type \(Int32(bitPattern: rawType))", subject: name, at: typePosition)
            }
            guard let elements = checkedProduct(dimensions) else {
                throw reader.error("element count of shape \(dimensions) overflows", subject: name)
            }
            guard elements % type.blockSize == 0, (dimensions.first ?? 1) % type.blockSize == 0 else {
                throw reader.error(
                    "row length \(dimensions.first ?? 1) is not a multiple of the \(type.name) block size \(type.blockSize)",
                    subject: name)
            }
            guard let byteCount = type.byteCount(elements: elements) else {
                throw reader.error("byte size of \(elements) \(type.name) elements overflows", subject: name)
            }
            let rawOffset = try reader.readInteger(UInt64.self, "offset of tensor \(name)")
            guard let offset = Int(exactly: rawOffset) else {
                throw reader.error("offset \(rawOffset) is out of range", subject: name)
            }
            tensors.append(GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset, byteCount: byteCount))
        }
        self.tensors = tensors

        // gguf.cpp pads to the alignment only when there are tensors.
        if tensors.isEmpty {
            dataOffset = reader.position
        } else {
            guard let aligned = alignUp(reader.position, to: alignment), aligned <= file.size else {
                throw reader.error("file ends before the data section")
            }
            let padding = try reader.readBytes(aligned - reader.position, "padding before the data section")
            guard padding.allSatisfy({ $0 == 0 }) else {
                throw reader.error("padding before the data section is not zero")
            }
            dataOffset = aligned
        }

        // Bounds, alignment and overlap of every tensor; all arithmetic checked.
        var sequential = true
        var expectedOffset = 0
        var ranges: [(start: Int, end: Int, name: String)] = []
        ranges.reserveCapacity(tensors.count)
        var dataEnd = 0
        for tensor in tensors {
            guard tensor.offset % alignment == 0 else {
                throw FormatError(
                    file: file.path, "offset \(tensor.offset) is not a multiple of the alignment \(alignment)", subject: tensor.name)
            }
            let (absolute, o1) = dataOffset.addingReportingOverflow(tensor.offset)
            let (end, o2) = absolute.addingReportingOverflow(tensor.byteCount)
            guard !o1, !o2, end <= file.size else {
                throw FormatError(
                    file: file.path,
                    "data (offset \(tensor.offset), \(tensor.byteCount) bytes) runs past the end of the \(file.size)-byte file",
                    subject: tensor.name)
            }
            guard let padded = alignUp(tensor.byteCount, to: alignment) else {
                throw FormatError(file: file.path, "size \(tensor.byteCount) overflows when padded", subject: tensor.name)
            }
            if tensor.offset != expectedOffset { sequential = false }
            expectedOffset = tensor.offset + padded
            ranges.append((tensor.offset, tensor.offset + tensor.byteCount, tensor.name))
            dataEnd = max(dataEnd, tensor.offset + padded)
        }
        ranges.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.start < previous.end && next.start != next.end {
            throw FormatError(file: file.path, "data overlaps tensor \(QuotedName(previous.name))", subject: next.name)
        }
        hasSequentialLayout = sequential
        paddedDataEnd = tensors.isEmpty ? dataOffset : dataOffset + dataEnd
    }

    /// The tensors with absolute offsets and row-major shapes.
    public func tensorInfos(fileIndex: Int) -> [TensorInfo] {
        tensors.map {
            TensorInfo(
                name: $0.name, type: .ggml($0.type), shape: $0.shape, fileIndex: fileIndex,
                offset: dataOffset + $0.offset, byteCount: $0.byteCount)
        }
    }

    private static func describeMagic(_ bytes: UnsafeRawBufferPointer) -> String {
        let printable = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        return printable
            ? "\"\(String(decoding: bytes, as: UTF8.self))\""
            : bytes.map { String(format2: $0) }.joined(separator: " ")
    }

    /// Reads a length-prefixed string that must be valid UTF-8 (keys and tensor names).
    private static func readName(_ reader: inout ByteReader, _ what: String) throws(FormatError) -> String {
        let start = reader.position
        let bytes = try readStringBytes(&reader, what)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw reader.error("\(what) is not valid UTF-8", at: start)
        }
        return text
    }

    private static func readStringBytes(_ reader: inout ByteReader, _ what: String) throws(FormatError) -> UnsafeRawBufferPointer {
        let start = reader.position
        let length = try reader.readInteger(UInt64.self, "length of \(what)")
        guard length <= UInt64(maximumStringLength) else {
            throw reader.error("\(what) claims \(length) bytes, more than the 1 GiB limit", at: start)
        }
        try checkHeaderExtent(reader, ending: reader.position + Int(length), what, at: start)
        return try reader.readBytes(Int(length), what)
    }

    /// Refuses a string or array of the header that would end past `maximumHeaderBytes` into the file
    /// (and a string past the end of the file as the read would).
    private static func checkHeaderExtent(_ reader: ByteReader, ending end: Int, _ what: String, at start: Int) throws(FormatError) {
        guard end > maximumHeaderBytes, end <= reader.bytes.count else { return }
        throw reader.error("\(what) ends past the first \(maximumHeaderBytes >> 20) MiB of the file, the limit for the header", at: start)
    }

    private static func readValue(_ reader: inout ByteReader, key: String) throws(FormatError) -> GGUFValue {
        let typePosition = reader.position
        let rawType = try reader.readInteger(UInt32.self, "type of \(key)")
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw reader.error("invalid value type \(Int32(bitPattern: rawType))", subject: key, at: typePosition)
        }
        switch type {
        case .array:
            return .array(try readArray(&reader, key: key))
        case .string:
            let start = reader.position
            let bytes = try readStringBytes(&reader, "value of \(key)")
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw reader.error("string value is not valid UTF-8", subject: key, at: start)
            }
            return .string(text)
        case .bool:
            let position = reader.position
            let byte = try reader.readInteger(UInt8.self, "value of \(key)")
            guard byte <= 1 else { throw reader.error("bool value is \(byte), not 0 or 1", subject: key, at: position) }
            return .bool(byte == 1)
        default:
            let bytes = try reader.readBytes(type.fixedSize!, "value of \(key)")
            return GGUFValue.decodeScalar(type, bytes, at: 0)
        }
    }

    private static func readArray(_ reader: inout ByteReader, key: String) throws(FormatError) -> GGUFArray {
        let typePosition = reader.position
        let rawType = try reader.readInteger(UInt32.self, "array element type of \(key)")
        guard let elementType = GGUFValueType(rawValue: rawType) else {
            throw reader.error("invalid array element type \(Int32(bitPattern: rawType))", subject: key, at: typePosition)
        }
        guard elementType != .array else {
            throw reader.error("nested arrays are not supported", subject: key, at: typePosition)
        }
        let countPosition = reader.position
        let rawCount = try reader.readInteger(UInt64.self, "array length of \(key)")
        let minimumElementSize = elementType.fixedSize ?? 8
        guard rawCount <= UInt64(maximumArrayCount), rawCount <= UInt64(reader.remaining / minimumElementSize) else {
            throw reader.error(
                "array claims \(rawCount) elements, more than the \(reader.remaining) bytes left can hold",
                subject: key, at: countPosition)
        }
        let count = Int(rawCount)
        let start = reader.position
        try checkHeaderExtent(reader, ending: start + count * minimumElementSize, "array of \(key)", at: countPosition)
        var stringOffsets: [Int] = []
        if let size = elementType.fixedSize {
            let bytes = try reader.readBytes(count * size, "array of \(key)")
            if elementType == .bool, let bad = bytes.first(where: { $0 > 1 }) {
                throw reader.error("bool array element is \(bad), not 0 or 1", subject: key)
            }
        } else {
            stringOffsets.reserveCapacity(count)
            for index in 0..<count {
                stringOffsets.append(reader.position - start)
                _ = try readStringBytes(&reader, "element \(index) of \(key)")
            }
        }
        let payload = Array(UnsafeRawBufferPointer(rebasing: reader.bytes[start..<reader.position]))
        return GGUFArray(elementType: elementType, count: count, payload: payload, stringOffsets: stringOffsets)
    }
}

extension String {
    /// Two-digit lower-case hex of a byte.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
