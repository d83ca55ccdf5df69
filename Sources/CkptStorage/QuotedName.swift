/// A name read from a file (a tensor name, a key, an architecture or dtype string), made safe for a
/// one-line message: control characters (C0, DEL, C1, so newlines and ANSI escape sequences too) and
/// bidirectional overrides are shown as escapes (`\n`, `\t`, `\u{1B}`), and a name longer than
/// `limit` UTF-8 bytes is cut at a character boundary and marked with `…`.
///
/// `FormatError` and `ModelError` escape their whole text with `escaped(_:)` as they print, so a
/// name that reaches a message unquoted still cannot break the line or drive the terminal; quoting a
/// name where it enters a message (`"\(QuotedName(name))"`) adds the length limit.
public struct QuotedName: CustomStringConvertible, Sendable {
    /// The most UTF-8 bytes of a name a message shows.
    public static let defaultLimit = 200

    public let name: String
    public let limit: Int

    public init(_ name: String, limit: Int = Self.defaultLimit) {
        self.name = name
        self.limit = limit
    }

    /// The name, escaped, at most `limit` bytes of it followed by `…` when cut.
    public var description: String {
        var kept = ""
        var bytes = 0
        for character in name {
            let size = character.utf8.count
            guard bytes + size <= limit else { return Self.escaped(kept) + "…" }
            kept.append(character)
            bytes += size
        }
        return Self.escaped(kept)
    }

    /// `text` with every control character and bidirectional override written as an escape; text
    /// without any is returned as it is.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return result
    }

    /// C0 and C1 controls and DEL (`Cc`), and the bidirectional embeddings, overrides and isolates
    /// that could reorder what a terminal shows.
    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
