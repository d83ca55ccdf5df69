import CkptFormats
import CkptStorage

/// Why a checkpoint cannot be described or used as a model: unsupported architecture, a config value
/// that makes no sense, a missing or mis-shaped tensor. Prints as one line naming the file.
public struct ModelError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var problem: String

    public init(file: String, _ problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `FILE: PROBLEM` on one line, control characters escaped (`QuotedName.escaped`).
    public var description: String { QuotedName.escaped("\(file): \(problem)") }
}

extension ModelError {
    /// A format error met while using a checkpoint as a model, with the same file and text.
    public init(_ error: FormatError) {
        self.init(file: error.file, error.subject.map { "\(QuotedName($0)): " + error.problem } ?? error.problem)
    }
}
