/// One hostile or malformed input file and the fragment its error message must contain.
public struct HostileInput: Sendable, CustomStringConvertible {
    /// Row of docs/formats.md, "Hostile inputs", and a short label.
    public var label: String
    /// File name extension: "gguf" or "safetensors".
    public var fileExtension: String
    public var bytes: [UInt8]
    public var expected: String
    public var description: String { label }

    public init(label: String, fileExtension: String, bytes: [UInt8], expected: String) {
        self.label = label
        self.fileExtension = fileExtension
        self.bytes = bytes
        self.expected = expected
    }
}

/// Every applicable row of docs/formats.md, "Hostile inputs", for single files, as bytes built here.
public enum HostileInputs {
    public static var gguf: [HostileInput] {
        var cases: [HostileInput] = []
        func add(_ label: String, _ expected: String, _ build: (inout RawGGUF) -> Void) {
            var g = RawGGUF()
            build(&g)
            cases.append(HostileInput(label: label, fileExtension: "gguf", bytes: g.bytes, expected: expected))
        }
        let huge: UInt64 = 1 << 63
        add("1 empty file", "too short for the magic") { _ in }
        add("1 wrong magic", "not a GGUF file: magic is \"FUGG\"") {
            $0.raw(Array("FUGG".utf8))
            $0.u32(3)
        }
        add("1 html", "not a GGUF file") { $0.raw(Array("<!DOCTYPE html><html>".utf8)) }
        add("1 safetensors bytes", "not a GGUF file") { $0.raw(rawSafetensors(header: "{}")) }
        add("1 truncated header", "unexpected end of file reading tensor count") {
            $0.raw(Array("GGUF".utf8))
            $0.u32(3)
            $0.u32(0)
        }
        add("2 version 0", "unsupported GGUF version 0") { $0.header(version: 0, tensors: 0, kvs: 0) }
        add("2 version 1", "GGUF version 1 is obsolete") { $0.header(version: 1, tensors: 0, kvs: 0) }
        add("2 version 4", "unsupported GGUF version 4") { $0.header(version: 4, tensors: 0, kvs: 0) }
        add("2 big-endian", "big-endian GGUF") { $0.header(version: 0x0300_0000, tensors: 0, kvs: 0) }
        add("3 tensor count 2^63", "tensor count 9223372036854775808 cannot fit") { $0.header(tensors: huge, kvs: 0) }
        add("3 kv count 2^64-1", "metadata count 18446744073709551615 cannot fit") { $0.header(tensors: 0, kvs: .max) }
        add("4 kv count 10^6 in 100 bytes", "metadata count 1000000 cannot fit") {
            $0.header(tensors: 0, kvs: 1_000_000)
            $0.raw([UInt8](repeating: 0, count: 76))
        }
        add("5 string length 2^64-1", "more than the 1 GiB limit") {
            $0.header(tensors: 0, kvs: 1)
            $0.u64(.max)
            $0.raw([UInt8](repeating: 0x61, count: 16))
        }
        add("6 string length 2^29 in a small file", "unexpected end of file reading key of metadata entry #0") {
            $0.header(tensors: 0, kvs: 1)
            $0.u64(1 << 29)
            $0.raw([UInt8](repeating: 0x61, count: 16))
        }
        add("7 array count 2^61 of u64", "array claims 2305843009213693952 elements") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(9)
            $0.u32(10)
            $0.u64(1 << 61)
            $0.u64(0)
        }
        add("8 array of 2^30 empty strings", "array claims 1073741824 elements") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(9)
            $0.u32(8)
            $0.u64(1 << 30)
            $0.u64(0)
        }
        add("9 nested array", "nested arrays are not supported") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(9)
            $0.u32(9)
            $0.u64(1)
            $0.u32(4)
            $0.u64(0)
        }
        add("10 value type 13", "invalid value type 13") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(13)
            $0.u64(0)
        }
        add("10 value type -1", "invalid value type -1") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(.max)
            $0.u64(0)
        }
        add("10 array element type 13", "invalid array element type 13") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(9)
            $0.u32(13)
            $0.u64(0)
        }
        add("11 empty key", "empty key") {
            $0.header(tensors: 0, kvs: 1)
            $0.kvU32("", 1)
        }
        add("11 duplicate key", "a.b: duplicate metadata key") {
            $0.header(tensors: 0, kvs: 2)
            $0.kvU32("a.b", 1)
            $0.kvU32("a.b", 2)
        }
        add("12 alignment typed i32", "general.alignment must be a u32, found i32") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("general.alignment")
            $0.u32(5)
            $0.u32(32)
        }
        add("12 alignment typed string", "general.alignment must be a u32, found string") {
            $0.header(tensors: 0, kvs: 1)
            $0.kvString("general.alignment", "32")
        }
        add("12 alignment typed array", "general.alignment must be a u32, found array") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("general.alignment")
            $0.u32(9)
            $0.u32(4)
            $0.u64(1)
            $0.u32(32)
        }
        for value: UInt32 in [0, 13, 1 << 31] {
            add("13 alignment \(value)", "general.alignment \(value) is not a power of two") {
                $0.header(tensors: 0, kvs: 1)
                $0.kvU32("general.alignment", value)
            }
        }
        add("14 bool byte 2", "bool value is 2, not 0 or 1") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(7)
            $0.u8(2)
        }
        add("14 bool array byte 7", "bool array element is 7") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(9)
            $0.u32(7)
            $0.u64(2)
            $0.u8(1)
            $0.u8(7)
        }
        add("16 tensor name of 64 bytes", "longer than llama.cpp's limit of 63") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo(String(repeating: "n", count: 64), dims: [4], type: 0, offset: 0)
        }
        add("16 tensor name invalid UTF-8", "name of tensor #0 is not valid UTF-8") {
            $0.header(tensors: 1, kvs: 0)
            $0.stringBytes([0x61, 0xFF, 0xFE])
            $0.u32(1)
            $0.u64(4)
            $0.u32(0)
            $0.u64(0)
        }
        add("16 key invalid UTF-8", "key of metadata entry #0 is not valid UTF-8") {
            $0.header(tensors: 0, kvs: 1)
            $0.stringBytes([0xC0, 0xAF])
            $0.u32(4)
            $0.u32(1)
        }
        add("16 tensor name with NUL", "tensor name contains a NUL byte") {
            $0.header(tensors: 1, kvs: 0)
            $0.stringBytes([0x61, 0, 0x78])
            $0.u32(1)
            $0.u64(4)
            $0.u32(0)
            $0.u64(0)
        }
        add("17 duplicate tensor names", "b: duplicate tensor name") {
            $0.header(tensors: 2, kvs: 0)
            $0.tensorInfo("b", dims: [4], type: 0, offset: 0)
            $0.tensorInfo("b", dims: [4], type: 0, offset: 32)
        }
        add("18 n_dims 5", "tensor has 5 dimensions, at most 4 allowed") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [1, 1, 1, 1, 1], type: 0, offset: 0)
        }
        add("18 n_dims 0xFFFFFFFF", "tensor has 4294967295 dimensions") {
            $0.header(tensors: 1, kvs: 0)
            $0.string("t")
            $0.u32(.max)
            $0.raw([UInt8](repeating: 0, count: 64))
        }
        add("19 dimension -1", "dimension 1 is 18446744073709551615, negative") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [4, .max], type: 0, offset: 0)
        }
        add("20 element count overflows", "element count of shape") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [1 << 32, 1 << 32, 1 << 32], type: 0, offset: 0)
        }
        add("21 Q4_0 with ne0 = 2^62", "runs past the end") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [1 << 62], type: 2, offset: 0)
            $0.pad()
        }
        add("22 F32 byte size near 2^64", "byte size of") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [4, (1 << 30) - 1, (1 << 30) + 1], type: 0, offset: 0)
        }
        add("23 offset near 2^63", "runs past the end") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [4], type: 0, offset: UInt64(Int.max) - 31)
            $0.pad()
        }
        add("24 Q4_K row of 100", "row length 100 is not a multiple of the Q4_K block size 256") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [100], type: 12, offset: 0)
        }
        for type: UInt32 in [4, 31, 36, 43, .max] {
            add("25 tensor type \(Int32(bitPattern: type))", "unsupported tensor type \(Int32(bitPattern: type))") {
                $0.header(tensors: 1, kvs: 0)
                $0.tensorInfo("t", dims: [32], type: type, offset: 0)
            }
        }
        add("27 unaligned offset", "offset 4 is not a multiple of the alignment 32") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [4], type: 0, offset: 4)
            $0.pad()
            $0.raw([UInt8](repeating: 0, count: 64))
        }
        add("27 overlapping tensors", "data overlaps tensor a") {
            $0.header(tensors: 2, kvs: 0)
            $0.tensorInfo("a", dims: [16], type: 0, offset: 0)
            $0.tensorInfo("b", dims: [16], type: 0, offset: 32)
            $0.pad()
            $0.raw([UInt8](repeating: 0, count: 128))
        }
        add("28 offset 2^64-1", "offset 18446744073709551615 is out of range") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [4], type: 0, offset: .max)
            $0.pad()
        }
        add("28 data past end of file", "runs past the end of the") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [64], type: 0, offset: 0)
            $0.pad()
            $0.raw([UInt8](repeating: 0, count: 100))
        }
        add("29 file ends inside the last tensor", "runs past the end") {
            $0.raw(Array(RawGGUF.minimal(elements: 16).dropLast(40)))
        }
        add("20 padding before data not zero", "padding before the data section is not zero") {
            $0.header(tensors: 1, kvs: 0)
            $0.tensorInfo("t", dims: [4], type: 0, offset: 0)
            while $0.bytes.count % 32 != 0 { $0.u8(0xAA) }
            $0.raw([UInt8](repeating: 0, count: 32))
        }
        add("string value invalid UTF-8", "string value is not valid UTF-8") {
            $0.header(tensors: 0, kvs: 1)
            $0.string("a.b")
            $0.u32(8)
            $0.stringBytes([0xFF])
        }
        return cases
    }

    public static var safetensors: [HostileInput] {
        var cases: [HostileInput] = []
        func add(_ label: String, _ expected: String, _ bytes: [UInt8]) {
            cases.append(HostileInput(label: label, fileExtension: "safetensors", bytes: bytes, expected: expected))
        }
        func header(_ text: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
            rawSafetensors(header: text, data: data, declaredLength: length)
        }
        let f32x2 = #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        add("35 file of 5 bytes", "too short for the header length", [1, 2, 3, 4, 5])
        add("36 header length 2^64-1", "header length 18446744073709551615 exceeds", header("{}", length: .max))
        add("36 header length past the end", "header length 1000 is larger than the 2 bytes after it", header("{}", length: 1000))
        add("36 header length 100,000,001", "exceeds the 100,000,000-byte limit", header("{}", length: 100_000_001))
        add("38 invalid UTF-8 header", "header is not valid JSON", [3, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF, 0x7D])
        add("38 BOM", "header is not valid JSON", header("\u{FEFF}{}"))
        add("38 NUL padding", "header is not valid JSON", header("{}\0\0\0\0\0\0"))
        add("38 not an object", "header is not a JSON object", header("[]"))
        add(
            "39 nesting depth 100000", "header is not valid JSON",
            header(#"{"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"))
        add(
            "40 duplicate tensor keys", "duplicate",
            header(
                #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                data: [0, 0, 0, 0]))
        add("41 __metadata__ nested", "__metadata__.k: __metadata__ value is not a string", header(#"{"__metadata__":{"k":{"a":"b"}}}"#))
        add("41 __metadata__ number", "__metadata__ value is not a string", header(#"{"__metadata__":{"k":1}}"#))
        add("41 __metadata__ as a tensor", "__metadata__ is not an object of strings", header(#"{"__metadata__":[1]}"#))
        for dtype in ["F24", "f32", "float16"] {
            add(
                "42 dtype \(dtype)", "unknown dtype \"\(dtype)\"",
                header(#"{"t":{"dtype":""# + dtype + #"","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
        for shape in ["-2", "2.0", "1e3", "18446744073709551616"] {
            add(
                "43 shape entry \(shape)", "is not a non-negative integer",
                header(#"{"t":{"dtype":"F32","shape":["# + shape + #"],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)))
        }
        add(
            "43 shape product overflows", "overflows",
            header(#"{"t":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)))
        add(
            "44 inverted offsets", "data_offsets span",
            header(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: [UInt8](repeating: 0, count: 8)))
        add(
            "44 not starting at 0", "leave a gap or overlap",
            header(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: [UInt8](repeating: 0, count: 12)))
        add(
            "44 gap", "leave a gap or overlap",
            header(
                #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                data: [UInt8](repeating: 0, count: 12)))
        add(
            "44 overlap", "leave a gap or overlap",
            header(
                #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                data: [UInt8](repeating: 0, count: 8)))
        add(
            "44 three offsets", "data_offsets must be two",
            header(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#, data: [UInt8](repeating: 0, count: 8)))
        add(
            "45 huge shape over a tiny span", "needs 4000000000",
            header(#"{"t":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)))
        add(
            "46 three F4 values", "not a whole number of bytes",
            header(#"{"t":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, data: [0, 0]))
        add("47 trailing bytes", "bytes after the last tensor are not described", header(f32x2, data: [UInt8](repeating: 0, count: 12)))
        add("47 truncated data", "file is truncated", header(f32x2, data: [0, 0, 0]))
        add(
            "missing dtype", "missing or non-string dtype",
            header(#"{"t":{"shape":[2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)))
        return cases
    }
}
