import Foundation

/// Byte counts for people: binary units (KiB, MiB, GiB, TiB) with three significant digits, exact below
/// 1 KiB. Text output only; `--json` always carries exact byte counts.
enum ByteCountText {
    /// `512` → `512 bytes`, `157984` → `154 KiB`, `14_483_464_192` → `13.5 GiB`; with `signed`, a
    /// leading `+` for positive values (changes).
    static func format(_ bytes: Int, signed: Bool = false) -> String {
        let sign = bytes < 0 ? "-" : (signed && bytes > 0 ? "+" : "")
        let magnitude = Double(bytes.magnitude)
        guard bytes.magnitude >= 1024 else { return "\(sign)\(bytes.magnitude) \(bytes.magnitude == 1 ? "byte" : "bytes")" }
        var value = magnitude
        var unit = 0
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        // Move up while the value would print as 1,000 or more (999.6 KiB reads better as 0.98 MiB).
        while value >= 999.5, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let decimals = value >= 99.95 ? 0 : (value >= 9.995 ? 1 : 2)
        return sign + String(format: "%.\(decimals)f", value) + " " + units[unit]
    }

    /// A relative change in percent with one decimal and its sign: `+47.8%`, `-3.0%`.
    static func percent(_ fraction: Double) -> String {
        String(format: "%+.1f%%", fraction * 100)
    }
}
