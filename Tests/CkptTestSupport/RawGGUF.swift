/// Builds GGUF bytes field by field, so tests can write any header, valid or hostile.
public struct RawGGUF {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    public mutating func raw(_ b: [UInt8]) { bytes += b }
    public mutating func string(_ s: String) { stringBytes(Array(s.utf8)) }
    public mutating func stringBytes(_ b: [UInt8]) {
        u64(UInt64(b.count))
        bytes += b
    }

    /// Magic, version and the two counts.
    public mutating func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) {
        raw(Array("GGUF".utf8))
        u32(version)
        u64(tensors)
        u64(kvs)
    }

    /// A u32 KV record.
    public mutating func kvU32(_ key: String, _ value: UInt32) {
        string(key)
        u32(4)
        u32(value)
    }
    /// A string KV record.
    public mutating func kvString(_ key: String, _ value: String) {
        string(key)
        u32(8)
        string(value)
    }

    /// A tensor-info record (`dims` in GGUF order, innermost first).
    public mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }

    /// Zero padding to a multiple of `alignment`.
    public mutating func pad(_ alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// A minimal valid file: architecture KV and one F32 tensor of `elements` values, padded.
    public static func minimal(name: String = "t", elements: Int = 4) -> [UInt8] {
        var g = RawGGUF()
        g.header(tensors: 1, kvs: 1)
        g.kvString("general.architecture", "llama")
        g.tensorInfo(name, dims: [UInt64(elements)], type: 0, offset: 0)
        g.pad()
        for i in 0..<elements { g.u32(Float(i).bitPattern) }
        g.pad()
        return g.bytes
    }
}

/// Builds safetensors bytes from a header text and a data blob.
public func rawSafetensors(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { out += $0 }
    return out + json + data
}
