#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole-file copies that the CPU does not copy through user space: a reflink (`FICLONE`) where the file
/// system shares extents; else, on a local block file system, a direct copy (cached pages written
/// straight from the page cache, others moved by DMA, see `DirectCopy`); else an in-kernel copy
/// (`copy_file_range`, which network file systems run on the server). A hard link only when asked,
/// because it shares any later in-place edit; across file systems, where there is none, a copy instead.
public enum FileCloning {
    /// How a file was copied.
    public enum Method: String, Sendable {
        case hardLink = "hard link"
        case reflink
        case copy
    }

    /// Copies `source` to `destination` (which must not exist) and says how.
    public static func copy(_ source: MappedFile, to destination: String, hardLink: Bool) throws(FormatError) -> Method {
        if hardLink {
            if link(source.path, destination) == 0 {
                CopyProgress.add(source.size)
                return .hardLink
            }
            // Across file systems (or where links are refused) the shard is copied instead.
            guard [EXDEV, EPERM, EMLINK, EOPNOTSUPP].contains(errno) else {
                throw FormatError(file: destination, "cannot hard-link \(source.path): \(MappedFile.errnoText())")
            }
        }
        let output = try OutputFile(path: destination)
        // FICLONE = _IOW(0x94, 9, int): share the source's extents when the file system can.
        if ioctl(output.descriptorForCloning, UInt(0x4004_9409), source.descriptor) == 0 {
            try output.commitCloned(size: source.size)
            CopyProgress.add(source.size)
            return .reflink
        }
        try output.copyDirect(from: source, offset: 0, count: source.size)
        try output.commit()
        return .copy
    }
}
