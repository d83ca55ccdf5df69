import Foundation

/// Errors from writing a staging directory, reworded to name the output the user gave: the staging
/// path (`.NAME.ckpt-partial-PID`) is an implementation detail, gone by the time the message is read.
public enum StagingErrors {
    /// Runs `body`; a `FormatError` about `staging` or a file in it names `output` instead (with the
    /// file's name inside as its subject), and a Foundation file error becomes a `FormatError` on
    /// `output` with the system's reason.
    public static func namingOutput<T>(_ output: String, staging: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FormatError {
            guard error.file == staging || error.file.hasPrefix(staging + "/") else { throw error }
            var renamed = error
            renamed.file = output
            let inside = error.file.dropFirst(staging.count).drop { $0 == "/" }
            if !inside.isEmpty { renamed.subject = String(inside) + (error.subject.map { ": " + $0 } ?? "") }
            throw renamed
        } catch let error as CocoaError {
            let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = underlying?.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32(underlying!.code))) : "\(error.code)"
            throw FormatError(file: output, "cannot write: \(reason == String(cString: strerror(ENOSPC)) ? "disk full" : reason)")
        }
    }
}
