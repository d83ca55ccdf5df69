import CkptFormats
import CkptKernels
import CkptTestSupport
import Testing

@Suite struct GEMMTests {
    /// Odd sizes so no kernel tile fits exactly.
    static let shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 65), (64, 96, 130)]

    /// Pseudo-random `A (m,k)` and `B (n,k)` for `shape` `(m, n, k)`.
    static func operands(_ shape: (Int, Int, Int)) -> (a: [Float], b: [Float]) {
        let (m, n, k) = shape
        var generator = SplitMix64(seed: UInt64(m * 1000 + n * 10 + k))
        let a = (0..<(m * k)).map { _ in generator.nextFloat() }
        return (a, (0..<(n * k)).map { _ in generator.nextFloat() })
    }

    /// `C = A · Bᵀ` against a naive f64 loop.
    @Test(arguments: shapes)
    func matchesNaiveProduct(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let (a, b) = Self.operands(shape)
        var c = [Float](repeating: .nan, count: m * n)
        GEMM.multiplyTransposed(a, b, into: &c, m: m, n: n, k: k)
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[j * k + p]) }
                expected[i * n + j] = Float(sum)
            }
        }
        let mismatch = firstMismatch(c, expected, atol: 1e-5, rtol: 1e-5)
        #expect(mismatch == nil, "\(mismatch.map(String.init(describing:)) ?? "")")
        // Accumulating adds the same product again.
        GEMM.multiplyTransposed(a, b, into: &c, m: m, n: n, k: k, accumulate: true)
        #expect(firstMismatch(c, expected.map { 2 * $0 }, atol: 1e-5, rtol: 1e-5) == nil)
    }

    /// `transposed` is the exact transpose, and `A · transposed(B)` through `multiply` is the same
    /// product as `multiplyTransposed(A, B)`.
    @Test(arguments: shapes)
    func multiplyMatchesThroughTheTranspose(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let (a, b) = Self.operands(shape)
        let bt = GEMM.transposed(b, rows: n, columns: k)
        #expect(bt.count == b.count)
        #expect((0..<n).allSatisfy { j in (0..<k).allSatisfy { p in bt[p * n + j] == b[j * k + p] } })
        var viaTranspose = [Float](repeating: .nan, count: m * n)
        var direct = [Float](repeating: .nan, count: m * n)
        GEMM.multiply(a, bt, into: &viaTranspose, m: m, n: n, k: k)
        GEMM.multiplyTransposed(a, b, into: &direct, m: m, n: n, k: k)
        #expect(firstMismatch(viaTranspose, direct, atol: 1e-5, rtol: 1e-5) == nil)
    }

    @Test func threadCountCanBeSet() {
        let before = GEMM.threadCount
        GEMM.threadCount = 1
        #expect(GEMM.threadCount == 1)
        GEMM.threadCount = before
    }
}
