import CkptStorage

/// A cursor over bytes that never reads past the end: every read checks what is left first.
///
/// Little-endian, unaligned loads; errors name the file, what was being read and where.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var position: Int

    init(_ bytes: UnsafeRawBufferPointer, file: String, position: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    private func need(_ count: Int, _ what: @autoclosure () -> String) throws(FormatError) {
        guard count >= 0, count <= remaining else {
            throw FormatError(
                file: file, "unexpected end of file reading \(what()): need \(count) bytes, \(remaining) left",
                offset: position)
        }
    }

    mutating func readInteger<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(FormatError) -> T {
        try need(MemoryLayout<T>.size, what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += MemoryLayout<T>.size
        return value
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(FormatError) -> UnsafeRawBufferPointer {
        try need(count, what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
        position += count
        return slice
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(FormatError) {
        try need(count, what())
        position += count
    }

    mutating func seek(to offset: Int) { position = offset }

    func error(_ problem: String, subject: String? = nil, at offset: Int? = nil) -> FormatError {
        FormatError(file: file, problem, subject: subject, offset: offset ?? position)
    }
}
