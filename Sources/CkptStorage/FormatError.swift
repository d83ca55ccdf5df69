/// An error reading or writing a checkpoint file: which file, where, and what was wrong.
///
/// Prints as one line, `FILE: PROBLEM`, the form the command line shows the user. Names read from the
/// file cannot break that line or reach the terminal as escape sequences: the subject is quoted with
/// `QuotedName` (escaped, at most 200 bytes) and the whole text escaped.
public struct FormatError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file (or directory) the problem is in, as the user named it.
    public var file: String
    /// What was wrong, in plain words, with the values found and expected.
    public var problem: String
    /// The tensor or key concerned, if any.
    public var subject: String?
    /// The byte offset in `file` where the problem was found, if known.
    public var offset: Int?

    public init(file: String, _ problem: String, subject: String? = nil, offset: Int? = nil) {
        self.file = file
        self.problem = problem
        self.subject = subject
        self.offset = offset
    }

    public var description: String {
        var text = "\(file): "
        if let subject { text += "\(QuotedName(subject)): " }
        text += problem
        if let offset { text += " (at byte \(offset))" }
        return QuotedName.escaped(text)
    }
}
