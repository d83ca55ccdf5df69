import CkptJSON
import CkptStorage

// safetensors (huggingface/safetensors; docs/formats.md, "safetensors layout", "safetensors reader checks"):
//
//   [0, 8)      N: u64 little-endian, the header length (padding included)
//   [8, 8+N)    UTF-8 JSON object: {"NAME": {"dtype": "F16", "shape": [..], "data_offsets": [BEGIN, END]},
//               ..., "__metadata__": {"k": "v"}}, padded with spaces
//   [8+N, EOF)  the data; offsets are relative to 8+N, tensors cover it contiguously from 0 to EOF
//
// The header is parsed by a strict JSON parser that rejects duplicate keys and reads integers as exact
// u64, and every rule of the reference reader is applied before any tensor byte is touched.

/// One tensor entry of a safetensors header.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: SafetensorsDType
    public var shape: [Int]
    /// `[begin, end)` relative to the data section.
    public var begin: Int
    public var end: Int
    public var byteCount: Int { end - begin }
}

/// The parsed, validated header of one safetensors file.
public struct SafetensorsFile: Sendable {
    /// The reference reader's cap on the header length.
    public static let maximumHeaderLength = 100_000_000
    /// A budget on entries, so a header of a million tiny tensors is refused rather than ground through.
    public static let maximumTensorCount = 1_000_000

    public var path: String
    public var headerLength: Int
    /// `__metadata__`, in file order; nil when absent or null.
    public var metadata: [(key: String, value: String)]?
    /// Tensors in data order.
    public var tensors: [SafetensorsTensorInfo]
    public var dataOffset: Int { 8 + headerLength }

    /// Parses and validates `file`'s header and the layout of its data.
    public init(_ file: MappedFile, maximumTensorCount: Int = Self.maximumTensorCount) throws(FormatError) {
        path = file.path
        let fail = { (problem: String, subject: String?) in FormatError(file: file.path, problem, subject: subject) }
        guard file.size >= 8 else {
            throw fail("not a safetensors file: \(file.size) bytes, too short for the header length", nil)
        }
        let all = file.allBytes
        let length = UInt64(littleEndian: all.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(Self.maximumHeaderLength) else {
            throw fail("header length \(length) exceeds the 100,000,000-byte limit", nil)
        }
        guard Int(length) <= file.size - 8 else {
            throw fail("header length \(length) is larger than the \(file.size - 8) bytes after it", nil)
        }
        headerLength = Int(length)
        let header = UnsafeRawBufferPointer(rebasing: all[8..<(8 + headerLength)])

        let root = try JSONBudget.parse(header, file: file.path, part: "header", maxBytes: Self.maximumHeaderLength, offset: 8)
        guard let object = root.object else { throw fail("header is not a JSON object", nil) }
        let tensorCount = object.count - (object["__metadata__"] == nil ? 0 : 1)
        guard tensorCount <= maximumTensorCount else {
            throw fail("header lists \(tensorCount) tensors, more than the \(maximumTensorCount) allowed", nil)
        }

        var metadata: [(key: String, value: String)]?
        var tensors: [SafetensorsTensorInfo] = []
        tensors.reserveCapacity(object.count)
        for (name, value) in object {
            if name == "__metadata__" {
                if value.isNull { continue }
                guard let entries = value.object else { throw fail("__metadata__ is not an object of strings", nil) }
                var pairs: [(key: String, value: String)] = []
                for (key, item) in entries {
                    guard let text = item.string else {
                        throw fail("__metadata__ value is not a string", "__metadata__.\(key)")
                    }
                    pairs.append((key, text))
                }
                metadata = pairs
                continue
            }
            tensors.append(try Self.parseEntry(name: name, value, file: file.path))
        }
        self.metadata = metadata

        tensors.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for tensor in tensors {
            guard tensor.begin == expected, tensor.end >= tensor.begin else {
                throw fail(
                    "data_offsets [\(tensor.begin), \(tensor.end)] leave a gap or overlap (expected to start at \(expected))",
                    tensor.name)
            }
            expected = tensor.end
        }
        let dataSize = file.size - 8 - headerLength
        guard expected == dataSize else {
            let problem =
                expected > dataSize
                ? "file is truncated: data ends at byte \(8 + headerLength + expected) but the file has \(file.size)"
                : "\(dataSize - expected) bytes after the last tensor are not described by the header"
            throw fail(problem, nil)
        }
        self.tensors = tensors
    }

    private static func parseEntry(name: String, _ value: JSONValue, file: String) throws(FormatError) -> SafetensorsTensorInfo {
        let fail = { (problem: String) in FormatError(file: file, problem, subject: name) }
        guard let entry = value.object else { throw fail("entry is not an object") }
        guard let dtypeName = entry["dtype"]?.string else { throw fail("missing or non-string dtype") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw fail("unknown dtype \"\(QuotedName(dtypeName))\"") }
        guard let shapeValues = entry["shape"]?.array else { throw fail("missing or non-array shape") }
        var shape: [Int] = []
        for dim in shapeValues {
            guard let raw = dim.number?.uint64 else {
                throw fail("shape entry \(dim.number?.text ?? "(not a number)") is not a non-negative integer")
            }
            guard let value = Int(exactly: raw) else { throw fail("shape entry \(raw) is too large") }
            shape.append(value)
        }
        guard let offsets = entry["data_offsets"]?.array, offsets.count == 2,
            let rawBegin = offsets[0].number?.uint64, let rawEnd = offsets[1].number?.uint64,
            let begin = Int(exactly: rawBegin), let end = Int(exactly: rawEnd)
        else { throw fail("data_offsets must be two non-negative integers") }
        guard let elements = checkedProduct(shape) else { throw fail("element count of shape \(shape) overflows") }
        let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bitWidth)
        guard !overflow else { throw fail("byte size of shape \(shape) overflows") }
        guard bits % 8 == 0 else { throw fail("\(elements) elements of \(dtype.rawValue) are not a whole number of bytes") }
        guard end >= begin, end - begin == bits / 8 else {
            throw fail("data_offsets span \(end &- begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(bits / 8)")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// The tensors with absolute offsets.
    public func tensorInfos(fileIndex: Int) -> [TensorInfo] {
        tensors.map {
            TensorInfo(
                name: $0.name, type: .safetensors($0.dtype), shape: $0.shape, fileIndex: fileIndex,
                offset: dataOffset + $0.begin, byteCount: $0.byteCount)
        }
    }
}
