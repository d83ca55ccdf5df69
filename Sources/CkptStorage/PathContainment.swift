import Foundation

/// Where a path really is, and whether it lies inside a directory: the one test behind both "no output
/// inside an input, no input inside an output" (every command that writes) and "no side file of a
/// model outside its directory" (the readers).
public enum PathContainment {
    /// The canonical path: symlinks and `..` resolved, for a path that need not exist yet (its parent
    /// is resolved and its name appended).
    public static func resolved(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if let real = realpath(url.path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let parent = url.deletingLastPathComponent().path
        guard parent != url.path, let real = realpath(parent, nil) else { return url.path }
        defer { free(real) }
        return (String(cString: real) as NSString).appendingPathComponent(url.lastPathComponent)
    }

    /// Whether `path` lies strictly inside the directory `ancestor` (both already resolved).
    public static func isInside(_ path: String, _ ancestor: String) -> Bool {
        path != ancestor && path.hasPrefix(ancestor == "/" ? "/" : ancestor + "/")
    }

    /// Why writing `output` would touch one of `inputs` (each as given, resolved here), or nil: it is
    /// one of them, contains one, or lies inside one.
    public static func conflict(output: String, inputs: [String]) -> String? {
        let resolvedOutput = resolved(output)
        for input in inputs {
            let resolvedInput = resolved(input)
            if resolvedOutput == resolvedInput { return "output would overwrite the input" }
            if isInside(resolvedInput, resolvedOutput) { return "output contains the input \(input)" }
            if isInside(resolvedOutput, resolvedInput) { return "output lies inside the input \(input)" }
        }
        return nil
    }
}
