// The fuzz targets' entries (README.md, "Fuzzing"). This one file is compiled twice: here, for
// `FuzzRegressionTests`, and by the fuzz package under Fuzz/ (a symlink, Fuzz/Sources/CkptFuzzEntries),
// so a regression test feeds a crashing input to exactly the code the fuzzer ran. It uses only the
// public API of the readers. An entry returns or throws for any input; a crash is a finding.

import CkptFormats
import CkptJSON
import CkptModels
import CkptStorage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One fuzz target: what its input bytes are and which reader they go to.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A whole GGUF file: `Checkpoint.open`, the metadata arrays decoded, small tensors decoded to floats.
    case gguf
    /// A whole `.safetensors` file, header and data, with no config.json beside it: the same.
    case safetensors
    /// JSON text: `JSONParser` (with `JSONBudget`'s limits, as config.json and headers are read), then
    /// the value serialized and parsed again, which must give the same value.
    case json
    /// A config.json, or a GGUF file (by its magic): ConfigReader → ModelDescription, the table layout
    /// and the recorded table; a GGUF also through `Model` (tensors checked against the description).
    case description
    /// The frames and frame offsets of a compressed converted GGUF (`FuzzEntries.TableTemplate`):
    /// `TableRowReader` reads every frame and a row of each.
    case table
}

/// Failures of an entry that are not refusals of the input but bugs (an entry traps on them).
public struct FuzzEntryFailure: Error, CustomStringConvertible {
    public var description: String
}

/// Runs the entries on bytes, writing the files the readers need into `directory`.
public struct FuzzEntries {
    /// At most this many bytes of tensor data are decoded per input (the rest is only bounds-checked).
    public static let decodeBudget = 1 << 18
    /// The seeds' size limit.
    public static let seedBytes = 64 << 10

    public let directory: String
    /// The compressed conversion the `table` target's inputs are spliced into (nil: that target refuses to run).
    public let template: TableTemplate?

    public init(directory: String, tableTemplate: String? = nil) throws {
        self.directory = directory
        template = try tableTemplate.map { try TableTemplate(path: $0) }
    }

    /// Feeds `bytes` to `target`'s reader. Throws the reader's refusal; returns when it accepts.
    public func run(_ target: FuzzTarget, _ bytes: UnsafeRawBufferPointer) throws {
        switch target {
        case .gguf: try gguf(bytes)
        case .safetensors: try safetensors(bytes)
        case .json: try json(bytes)
        case .description: try description(bytes)
        case .table: try table(bytes)
        }
    }

    // MARK: - Targets

    func gguf(_ bytes: UnsafeRawBufferPointer) throws {
        let checkpoint = try Checkpoint.open(try write(bytes, as: "input.gguf"))
        _ = checkpoint.warnings
        _ = checkpoint.architecture
        for entry in checkpoint.ggufMetadata {
            guard let array = entry.value.array else { continue }
            _ = array.strings()
            _ = array.integers()
            _ = array.numbers()
            for index in 0..<min(array.count, 16) { _ = array.element(at: index) }
        }
        decodeTensors(checkpoint)
    }

    func safetensors(_ bytes: UnsafeRawBufferPointer) throws {
        let checkpoint = try Checkpoint.open(try write(bytes, as: "input.safetensors"))
        _ = checkpoint.warnings
        _ = checkpoint.safetensorsFiles.first?.metadata
        decodeTensors(checkpoint)
    }

    func json(_ bytes: UnsafeRawBufferPointer) throws {
        let value = try JSONBudget.parse(bytes, file: "fuzz.json", maxBytes: JSONBudget.configBytes)
        let text = value.serializedBytes()
        let again: JSONValue
        do {
            again = try text.withUnsafeBytes { try JSONParser().parse($0) }
        } catch {
            throw FuzzEntryFailure(description: "serialized JSON does not parse again: \(error)")
        }
        guard again == value else { throw FuzzEntryFailure(description: "serialized JSON parses to another value") }
    }

    func description(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.starts(with: Array("GGUF".utf8)) {
            let checkpoint = try Checkpoint.open(try write(bytes, as: "model.gguf"))
            guard let architecture = checkpoint.architecture else { return }
            let reader = ConfigReader(gguf: checkpoint.ggufMetadata, architecture: architecture, file: checkpoint.path)
            _ = try PrecomputedTable.read(reader)
            let rows =
                checkpoint.tensor(named: "token_embd.weight").flatMap { $0.shape.count == 2 ? $0.shape[0] : nil }
                ?? (try? reader.int(".vocab_size", in: 1...1 << 26)).flatMap { $0 }
                ?? checkpoint.ggufMetadata.first { $0.key == "tokenizer.ggml.tokens" }?.value.array?.count ?? 256
            let metadataOnly = try ModelDescription.gguf(reader, architecture: architecture, embeddingRows: max(rows, 1))
            _ = TableSegment.layout(for: metadataOnly).rowWidth
            if !checkpoint.tensors.isEmpty {
                let model = try Model(checkpoint)
                _ = TableSegment.layout(for: model.description).rowWidth
                _ = model.firstLayerTableTensors
            }
        } else {
            let value = try JSONBudget.parse(bytes, file: "config.json", maxBytes: JSONBudget.configBytes)
            guard let object = value.object else { return }
            let reader = ConfigReader(config: object, file: "config.json")
            let description = try ModelDescription.huggingFace(reader)
            _ = TableSegment.layout(for: description).rowWidth
            _ = try PrecomputedTable.read(reader)
        }
    }

    func table(_ bytes: UnsafeRawBufferPointer) throws {
        guard let template else { throw FuzzEntryFailure(description: "the table target needs a template") }
        let file = try template.splice(bytes)
        let checkpoint = try Checkpoint.open(try write(file, as: "table.gguf"))
        let model = try Model(checkpoint)
        let reader = try TableRowReader(model: model)
        let vocab = model.description.vocabSize
        for frame in 0..<min(reader.frameCount, 64) { _ = try reader.frameBytes(frame) }
        let frameRows = max(model.table?.compression?.frameRows ?? 1, 1)
        var tokens = Array(stride(from: 0, to: vocab, by: frameRows).prefix(64))
        tokens.append(vocab - 1)
        for token in tokens { _ = try reader.row(token) }
    }

    // MARK: - Helpers

    /// Decodes tensors to floats, up to `decodeBudget` bytes in all.
    func decodeTensors(_ checkpoint: Checkpoint) {
        var budget = Self.decodeBudget
        for tensor in checkpoint.tensors where tensor.byteCount <= budget {
            budget -= tensor.byteCount
            _ = try? checkpoint.floats(of: tensor)  // a type with no float decoding is no reason to stop
        }
    }

    /// Writes `bytes` as a new file `name` in `directory` (a fresh inode: the last input's mapping is gone).
    func write(_ bytes: UnsafeRawBufferPointer, as name: String) throws -> String {
        let path = directory + "/" + name
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FuzzEntryFailure(description: "cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            guard written > 0 else { throw FuzzEntryFailure(description: "cannot write \(path): errno \(errno)") }
            done += written
        }
        return path
    }

    func write(_ bytes: [UInt8], as name: String) throws -> String {
        try bytes.withUnsafeBytes { try write($0, as: name) }
    }
}

extension FuzzEntries {
    /// A converted GGUF with a zstd-compressed table (`ckpt convert --compress zstd`), whose frame blob,
    /// frame offsets, `frame_rows` and `shuffle_planes` a `table` input replaces. The input is:
    /// byte 0, `frame_rows` (0 keeps the template's); byte 1, `shuffle_planes` (0 keeps it); bytes 2–3,
    /// the number N of offsets (u16 LE; fewer if the input ends first); N i64 LE offsets; then the blob.
    public struct TableTemplate {
        struct Tensor {
            var name: String
            var dimensions: [Int]
            var type: GGMLType
            var bytes: [UInt8]
        }

        var metadata: [GGUFKeyValue]
        var tensors: [Tensor]
        let blob: [UInt8]
        let offsets: [UInt8]

        static let framesName = PrecomputedTable.framesTensorName
        static let offsetsName = PrecomputedTable.frameOffsetsTensorName
        static let frameRowsKey = PrecomputedTable.ggufPrefix + "frame_rows"
        static let planesKey = PrecomputedTable.ggufPrefix + "shuffle_planes"

        public init(path: String) throws {
            let mapped = try MappedFile(path: path)
            let file = try GGUFFile(mapped)
            metadata = file.metadata
            tensors = try file.tensors.map { info in
                let raw = try mapped.bytes(at: file.dataOffset + info.offset, count: info.byteCount)
                return Tensor(name: info.name, dimensions: info.dimensions, type: info.type, bytes: Array(raw))
            }
            guard let blob = tensors.first(where: { $0.name == Self.framesName }),
                let offsets = tensors.first(where: { $0.name == Self.offsetsName })
            else { throw FuzzEntryFailure(description: "\(path) is not a compressed conversion") }
            self.blob = blob.bytes
            self.offsets = offsets.bytes
        }

        /// The template's own frames as an input: the seed.
        public var seed: [UInt8] {
            [0, 0, UInt8((offsets.count / 8) & 0xff), UInt8((offsets.count / 8) >> 8)] + offsets + blob
        }

        /// The GGUF file for `input`.
        func splice(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
            let bytes = Array(input)
            var metadata = metadata
            func override(_ key: String, _ byte: UInt8?) {
                guard let byte, byte != 0, let index = metadata.firstIndex(where: { $0.key == key }) else { return }
                let value: GGUFValue =
                    switch metadata[index].value {
                    case .int32: .int32(Int32(byte))
                    case .uint64: .uint64(UInt64(byte))
                    case .int64: .int64(Int64(byte))
                    default: .uint32(UInt32(byte))
                    }
                metadata[index] = GGUFKeyValue(key, value)
            }
            override(Self.frameRowsKey, bytes.first)
            override(Self.planesKey, bytes.dropFirst().first)
            let rest = bytes.dropFirst(4)
            let claimed = bytes.count >= 4 ? Int(bytes[2]) | Int(bytes[3]) << 8 : 0
            let count = min(claimed, rest.count / 8)
            let offsets = Array(rest.prefix(8 * count))
            let blob = Array(rest.dropFirst(8 * count))
            var tensors = tensors
            for index in tensors.indices {
                switch tensors[index].name {
                case Self.framesName:
                    let unit = max(tensors[index].type.typeSize, 1)
                    tensors[index].bytes = Array(blob.prefix(blob.count / unit * unit))
                    tensors[index].dimensions = [blob.count / unit]
                case Self.offsetsName:
                    tensors[index].bytes = offsets
                    tensors[index].dimensions = [count]
                default: break
                }
            }
            let writer = GGUFWriter(
                metadata: metadata,
                tensors: try tensors.map {
                    try GGUFWriter.Tensor(name: $0.name, dimensions: $0.dimensions, type: $0.type, source: .producer { _ in })
                })
            var out = try writer.headerBytes()
            for tensor in tensors {
                out += tensor.bytes
                let padded = alignUp(out.count, to: writer.alignment)!
                out += repeatElement(0, count: padded - out.count)
            }
            return out
        }
    }
}

extension FuzzTarget {
    /// Seeds for this target from sample files: each file as it is when it is at most `FuzzEntries.seedBytes`
    /// long, else its first `seedBytes`; for `json` a safetensors file's header; for `description` a
    /// GGUF file's metadata alone (no tensors). Named after the file's position in `files`.
    public func seeds(from files: [String], template: FuzzEntries.TableTemplate?) -> [(name: String, bytes: [UInt8])] {
        if self == .table { return template.map { [("template", $0.seed)] } ?? [] }
        var seeds: [(name: String, bytes: [UInt8])] = []
        for (number, path) in files.enumerated() {
            guard let mapped = try? MappedFile(path: path), let all = try? mapped.bytes(at: 0, count: mapped.size) else { continue }
            let name = String(number)
            let limit = FuzzEntries.seedBytes
            switch self {
            case .gguf, .safetensors:
                if all.count <= limit {
                    seeds.append((name, Array(all)))
                } else {
                    seeds.append((name, Array(all.prefix(limit))))
                    let whole = self == .gguf ? Self.smallerGGUF(mapped, limit: limit) : Self.smallerSafetensors(mapped, limit: limit)
                    if let whole { seeds.append((name + "-whole", whole)) }
                }
            case .json:
                if path.hasSuffix(".safetensors") {
                    guard all.count >= 8 else { continue }
                    let length = Int(all.loadUnaligned(as: UInt64.self).littleEndian & 0xffff_ffff)
                    seeds.append((name, Array(all.dropFirst(8).prefix(min(length, limit)))))
                } else if all.count <= limit {
                    seeds.append((name, Array(all)))
                }
            case .description:
                if path.hasSuffix(".gguf") {
                    guard let file = try? GGUFFile(mapped),
                        let header = try? GGUFWriter(metadata: file.metadata, tensors: []).headerBytes(), header.count <= limit
                    else { continue }
                    seeds.append((name + "-metadata", header))
                    if all.count <= limit { seeds.append((name, Array(all))) }
                } else if all.count <= limit {
                    seeds.append((name, Array(all)))
                }
            case .table:
                break
            }
        }
        return seeds
    }

    /// `file` as a whole GGUF file of at most `limit` bytes: its metadata and the first tensors that fit.
    static func smallerGGUF(_ file: MappedFile, limit: Int) -> [UInt8]? {
        guard let gguf = try? GGUFFile(file) else { return nil }
        var kept: [GGUFTensorInfo] = []
        var size = 0
        for tensor in gguf.tensors {
            let padded = alignUp(tensor.byteCount, to: gguf.alignment) ?? Int.max
            if size + padded > limit / 2 { continue }
            kept.append(tensor)
            size += padded
        }
        guard
            let writer = try? GGUFWriter(
                metadata: gguf.metadata,
                tensors: kept.map {
                    try GGUFWriter.Tensor(name: $0.name, dimensions: $0.dimensions, type: $0.type, source: .producer { _ in })
                }),
            var out = try? writer.headerBytes()
        else { return nil }
        for tensor in kept {
            guard let bytes = try? file.bytes(at: gguf.dataOffset + tensor.offset, count: tensor.byteCount) else { return nil }
            out += bytes
            out += repeatElement(0, count: alignUp(out.count, to: writer.alignment)! - out.count)
        }
        return out.count <= limit ? out : nil
    }

    /// `file` as a whole safetensors file of at most `limit` bytes: its metadata and the first tensors that fit.
    static func smallerSafetensors(_ file: MappedFile, limit: Int) -> [UInt8]? {
        guard let safetensors = try? SafetensorsFile(file) else { return nil }
        var entries: [(String, JSONValue)] = []
        if let metadata = safetensors.metadata {
            entries.append(("__metadata__", .object(JSONObject(metadata.map { ($0.key, JSONValue.string($0.value)) }))))
        }
        var data: [UInt8] = []
        for tensor in safetensors.tensors.sorted(by: { $0.begin < $1.begin }) where data.count + tensor.byteCount <= limit / 2 {
            guard let bytes = try? file.bytes(at: safetensors.dataOffset + tensor.begin, count: tensor.byteCount) else { return nil }
            let entry: JSONValue = [
                "dtype": .string(tensor.dtype.rawValue), "shape": .array(tensor.shape.map { .number(JSONNumber($0)) }),
                "data_offsets": [.number(JSONNumber(data.count)), .number(JSONNumber(data.count + tensor.byteCount))],
            ]
            entries.append((tensor.name, entry))
            data += bytes
        }
        var header = JSONValue.object(JSONObject(entries)).serializedBytes()
        header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var out: [UInt8] = []
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: header.count >> shift)) }
        out += header + data
        return out.count <= limit ? out : nil
    }
}
