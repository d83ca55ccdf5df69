import CkptFormats
import Foundation

extension Checkpoint {
    /// SHA-256 over each file's name, size and header (and config.json): cheap, and changes whenever
    /// the tensors' layout or metadata does. A conversion records its source's; `validate` compares it
    /// with the original it is given.
    public var sourceFingerprint: String {
        var hasher = SHA256()
        for (index, file) in files.enumerated() {
            hasher.update(Array(URL(fileURLWithPath: file.path).lastPathComponent.utf8))
            hasher.update(Array(String(file.size).utf8))
            let headerLength = format == .gguf ? ggufFiles[index].dataOffset : safetensorsFiles[index].dataOffset
            hasher.update(UnsafeRawBufferPointer(rebasing: file.allBytes[0..<min(file.size, headerLength)]))
        }
        if let configPath, let data = FileManager.default.contents(atPath: configPath) { hasher.update(data) }
        return hasher.finalize()
    }
}
