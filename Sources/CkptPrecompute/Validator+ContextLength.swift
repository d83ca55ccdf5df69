import CkptFormats

extension Validator {
    /// The original's context length when its file records one (`Checkpoint.contextLength`); the
    /// command refuses longer sequences before comparing.
    public var contextLength: Int? { original.checkpoint.contextLength }
}
