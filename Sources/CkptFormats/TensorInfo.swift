/// One tensor of a checkpoint: its name, type, shape and where its bytes are.
public struct TensorInfo: Sendable, Hashable {
    /// The name as stored in the file.
    public var name: String
    public var type: TensorType
    /// Row-major shape, outermost dimension first (numpy/torch order; GGUF's `ne` reversed).
    public var shape: [Int]
    /// Which file of the checkpoint holds the bytes (0 for single-file checkpoints).
    public var fileIndex: Int
    /// Absolute offset of the first byte in that file.
    public var offset: Int
    /// Number of bytes.
    public var byteCount: Int

    public init(name: String, type: TensorType, shape: [Int], fileIndex: Int, offset: Int, byteCount: Int) {
        self.name = name
        self.type = type
        self.shape = shape
        self.fileIndex = fileIndex
        self.offset = offset
        self.byteCount = byteCount
    }

    /// Product of the shape (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Number of rows when viewed as a matrix `[outer..., last]` → `[elementCount / last, last]`.
    public var rowLength: Int { shape.last ?? 1 }
}

/// The product of `dims`, or nil on overflow or a negative dimension.
public func checkedProduct(_ dims: some Sequence<Int>) -> Int? {
    var product = 1
    for dim in dims {
        guard dim >= 0 else { return nil }
        let (next, overflow) = product.multipliedReportingOverflow(by: dim)
        guard !overflow else { return nil }
        product = next
    }
    return product
}
