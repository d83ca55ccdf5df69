import CkptStorage

// NumPy .npy v1.0 (numpy.lib.format):
//   "\x93NUMPY" | u8 major = 1 | u8 minor = 0 | u16 LE header length |
//   header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//   padded with spaces and ending in '\n' so the data starts at a multiple of 64 | data, C order.

/// A float array read from or written to a NumPy `.npy` file (little-endian f4 or f2, C order).
public struct NumpyArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// The `.npy` bytes: version 1.0, `<f4`, C order.
    public func npyBytes() -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        appendLittleEndian(UInt16(header.utf8.count), to: &out)
        out += Array(header.utf8)
        out.reserveCapacity(out.count + 4 * values.count)
        for value in values { appendLittleEndian(value.bitPattern, to: &out) }
        return out
    }

    /// Writes the array to `path` atomically.
    public func write(to path: String, overwrite: Bool = true) throws(FormatError) {
        let output = try OutputFile(path: path, overwrite: overwrite)
        try output.write(npyBytes())
        try output.commit()
    }

    /// Reads a `.npy` file holding `<f4` or `<f2` values in C order.
    public init(contentsOf path: String) throws(FormatError) {
        let file = try MappedFile(path: path)
        var reader = ByteReader(file.allBytes, file: path)
        let magic = try reader.readBytes(8, "npy magic")
        guard Array(magic.prefix(6)) == [0x93] + Array("NUMPY".utf8), magic[6] == 1 else {
            throw FormatError(file: path, "not a NumPy .npy version 1 file")
        }
        let length = Int(try reader.readInteger(UInt16.self, "npy header length"))
        let header = String(decoding: try reader.readBytes(length, "npy header"), as: UTF8.self)
        func field(_ key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return header[range.upperBound...].drop { $0 == " " }
        }
        guard let descr = field("descr"), let order = field("fortran_order"), let shapeText = field("shape"),
            let close = shapeText.firstIndex(of: ")")
        else { throw FormatError(file: path, "malformed .npy header \(header.debugDescription)") }
        guard order.hasPrefix("False") else { throw FormatError(file: path, ".npy in Fortran order is not supported") }
        let dims = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
            .split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for dim in dims {
            guard let value = Int(dim), value >= 0 else { throw FormatError(file: path, "bad .npy dimension \(dim)") }
            shape.append(value)
        }
        guard let count = checkedProduct(shape) else { throw FormatError(file: path, ".npy shape \(shape) overflows") }
        let elementSize: Int
        if descr.hasPrefix("'<f4'") {
            elementSize = 4
        } else if descr.hasPrefix("'<f2'") {
            elementSize = 2
        } else {
            throw FormatError(file: path, "unsupported .npy dtype \(descr.prefix(6)); expected '<f4' or '<f2'")
        }
        guard count <= reader.remaining / elementSize else {
            throw FormatError(file: path, ".npy data holds \(reader.remaining) bytes, shape \(shape) needs \(count * elementSize)")
        }
        let data = try reader.readBytes(count * elementSize, "npy data")
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            values[i] =
                elementSize == 4
                ? Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                : Float(halfBits: UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        }
        self.shape = shape
        self.values = values
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
