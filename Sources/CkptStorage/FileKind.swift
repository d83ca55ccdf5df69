#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What kind of file a `stat` mode describes, in words for a refusal: ckpt reads and writes regular
/// files only, so a FIFO, socket or device given as a model, a side file or an output is refused by
/// kind rather than read (a FIFO would block the open, a device never end).
public enum FileKind {
    /// "a FIFO", "a socket", "a character device", …; nil for a regular file.
    public static func nonRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        default: "an unknown kind of file"
        }
    }

    /// The refusal for `path` when it exists and is not a regular file (symbolic links followed), else nil.
    public static func problem(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0, let kind = nonRegular(info.st_mode) else { return nil }
        return "is \(kind), not a regular file"
    }
}
