import CkptFormats

/// A checkpoint understood as a model: its architecture, its description, its tensor names, and every
/// tensor the description needs checked for presence and shape before any math runs.
public struct Model: @unchecked Sendable {
    public let checkpoint: Checkpoint
    /// The registered architecture that read the checkpoint.
    public let architecture: any Architecture
    public let description: ModelDescription
    public let names: TensorNameScheme
    /// The first-layer table of a converted checkpoint, nil for an original one.
    public let table: PrecomputedTable?

    /// Describes `checkpoint` and checks its tensors.
    public init(_ checkpoint: Checkpoint) throws(ModelError) {
        self.checkpoint = checkpoint
        switch checkpoint.format {
        case .gguf:
            let file = checkpoint.files[0].path
            guard let name = checkpoint.architecture else {
                throw ModelError(file: file, "GGUF has no general.architecture")
            }
            let reader = ConfigReader(gguf: checkpoint.ggufMetadata, architecture: name, file: file)
            table = try PrecomputedTable.read(reader)
            let rows: Int
            if let table, table.compression != nil, let tableRows = table.rows {
                rows = tableRows
            } else {
                let rowsTensor = table == nil ? "token_embd.weight" : PrecomputedTable.tensorName
                guard let embedding = checkpoint.tensor(named: rowsTensor), embedding.shape.count == 2 else {
                    throw ModelError(file: file, "missing tensor \(rowsTensor) (or it is not 2-D)")
                }
                rows = embedding.shape[0]
            }
            architecture = try ArchitectureRegistry.gguf(name, file: file)
            description = try architecture.describe(gguf: reader, name: name, embeddingRows: rows, tensors: checkpoint)
        case .safetensors:
            guard let config = checkpoint.config, let path = checkpoint.configPath else {
                throw ModelError(file: checkpoint.path, "no config.json beside the safetensors file")
            }
            let reader = ConfigReader(config: config, file: path)
            let (architecture, family) = try ArchitectureRegistry.huggingFace(reader)
            self.architecture = architecture
            description = try architecture.describe(huggingFace: reader, family: family, tensors: checkpoint)
            table = try PrecomputedTable.read(reader)
        }
        names = architecture.tensorNames(for: description).locatingLanguageModel(in: checkpoint)
        if table != nil, description.tiedHead, names.name(.embedding).flatMap(checkpoint.tensor(named:)) == nil {
            throw ModelError(file: checkpoint.path, "converted checkpoint has neither an output head nor the embedding")
        }
        try checkShapes()
    }

    /// The tensor playing `role` (in `layer`, for `expert`/`head`), if the checkpoint has it.
    public func tensor(_ role: TensorRole, layer: Int = 0, expert: Int? = nil, head: Int? = nil) -> TensorInfo? {
        names.name(role, layer: layer, expert: expert, head: head).flatMap(checkpoint.tensor(named:))
    }

    /// A tensor of the table's layout: present, of one of `types` (any when nil), with a shape `accepts`.
    private func checkTableTensor(_ name: String, types: [String]?, shape accepts: ([Int]) -> Bool) throws(ModelError) {
        guard let tensor = checkpoint.tensor(named: name) else {
            throw ModelError(file: checkpoint.path, "missing tensor \(name)")
        }
        guard types?.contains(tensor.type.name) ?? true, accepts(tensor.shape) else {
            throw ModelError(
                file: checkpoint.files[tensor.fileIndex].path,
                "tensor \(name) is \(tensor.type.name) of shape \(tensor.shape), which does not fit the table's layout")
        }
    }

    /// Whether `role` is optional-but-required in `layer`: layer 0 lacks it while the last layer has it
    /// (a bias every other layer has), which the engine would otherwise take for zeros.
    private func lastLayerHas(_ role: TensorRole, layer: Int, expert: Int?, head: Int?) -> Bool {
        let last = description.layerCount - 1
        guard layer == 0, last > 0, let name = names.name(role, layer: last, expert: expert, head: head) else { return false }
        return checkpoint.tensor(named: name) != nil
    }

    /// Every tensor the description needs, present and shaped as it says; an optional tensor (a bias)
    /// the last layer has is required in layer 0 too.
    func checkShapes() throws(ModelError) {
        let m = description
        let d = m.hiddenSize
        let removed = Set(table?.removedTensors ?? [])
        if let table {
            let layout = TableSegment.layout(for: m)
            guard table.segments.map(\.kind) == layout.map(\.kind) else {
                throw ModelError(
                    file: checkpoint.path,
                    "table segments \(table.segments.map(\.kind.rawValue)) are not the model's \(layout.map(\.kind.rawValue))")
            }
            let widths = layout.map(\.width)
            guard table.segments.map(\.width) == widths else {
                throw ModelError(
                    file: checkpoint.path, "table segment widths \(table.segments.map(\.width)) do not match the model's \(widths)")
            }
            if let rows = table.rows, rows != m.vocabSize {
                throw ModelError(file: checkpoint.path, "table has \(rows) rows but the vocabulary has \(m.vocabSize) entries")
            }
            if let compression = table.compression {
                let frames = (m.vocabSize + compression.frameRows - 1) / compression.frameRows
                try checkTableTensor(PrecomputedTable.frameOffsetsTensorName, types: ["I64"]) { $0 == [frames + 1] }
                try checkTableTensor(PrecomputedTable.framesTensorName, types: ["I8", "U8"]) { $0.count == 1 }
            } else {
                try checkTableTensor(PrecomputedTable.tensorName, types: nil) { $0 == [m.vocabSize, table.rowWidth] }
            }
        }
        func expect(_ role: TensorRole, _ shape: [Int], layer: Int = 0, expert: Int? = nil, head: Int? = nil, optional: Bool = false)
            throws(ModelError)
        {
            guard let name = names.name(role, layer: layer, expert: expert, head: head) else {
                if optional { return }
                throw ModelError(file: checkpoint.path, "this \(m.family) layout has no name for \(role.rawValue)")
            }
            guard let tensor = checkpoint.tensor(named: name) else {
                if removed.contains(name) || optional && !lastLayerHas(role, layer: layer, expert: expert, head: head) { return }
                throw ModelError(file: checkpoint.path, "missing tensor \(name)")
            }
            // GGUF may drop trailing 1-dimensions; compare without leading 1s.
            let found = Array(tensor.shape.drop { $0 == 1 })
            guard found == Array(shape.drop { $0 == 1 }) else {
                throw ModelError(
                    file: checkpoint.files[tensor.fileIndex].path, "tensor \(name) has shape \(tensor.shape), expected \(shape)")
            }
            guard tensor.type.isFloatDecodable else {
                throw ModelError(
                    file: checkpoint.files[tensor.fileIndex].path,
                    "tensor \(name) has type \(tensor.type.name), which cannot be read as numbers")
            }
        }
        try expect(.embedding, [m.vocabSize, d])
        try expect(.outputNorm, [d])
        try expect(.outputNormBias, [d], optional: !m.norm.hasBias)
        if !m.tiedHead { try expect(.output, [m.vocabSize, d]) }
        try expect(.outputBias, [m.vocabSize], optional: true)
        for layer in 0..<m.layerCount {
            func norm(_ weight: TensorRole, _ bias: TensorRole) throws(ModelError) {
                try expect(weight, [d], layer: layer)
                try expect(bias, [d], layer: layer, optional: !m.norm.hasBias)
            }
            if m.normPlacement != .post { try norm(.attnNorm, .attnNormBias) }
            switch (m.block, m.normPlacement) {
            case (.parallel(sharedNorm: false), _), (.serial, .pre), (.serial, .sandwich): try norm(.ffnNorm, .ffnNormBias)
            default: break
            }
            if m.normPlacement != .pre {
                try expect(.postAttnNorm, [d], layer: layer)
                try expect(.postFfnNorm, [d], layer: layer)
            }
            if let mla = m.mla {
                try checkLatentAttention(mla, layer: layer, expect: expect)
            } else if m.qkvLayout == .separate {
                try expect(.q, [m.qWidth, d], layer: layer)
                try expect(.k, [m.kvWidth, d], layer: layer)
                try expect(.v, [m.kvWidth, d], layer: layer)
                for (role, width) in [(TensorRole.qBias, m.qWidth), (.kBias, m.kvWidth), (.vBias, m.kvWidth)] {
                    try expect(role, [width], layer: layer, optional: true)
                }
            } else {
                try expect(.qkv, [m.qWidth + 2 * m.kvWidth, d], layer: layer)
                try expect(.qkvBias, [m.qWidth + 2 * m.kvWidth], layer: layer, optional: true)
            }
            try expect(.o, [d, m.headCount * (m.mla?.valueDim ?? m.headDim)], layer: layer)
            try expect(.oBias, [d], layer: layer, optional: true)
            if m.attentionSinks { try expect(.attnSinks, [m.headCount], layer: layer) }
            if let qkNorm = m.qkNorm, qkNorm.layers?.contains(layer) ?? true {
                let hasBias = qkNorm.norm.hasBias
                switch qkNorm.scope {
                case .unweighted: break
                case .sharedAcrossHeads:
                    try expect(.qNorm, [m.headDim], layer: layer)
                    try expect(.kNorm, [m.headDim], layer: layer)
                    try expect(.qNormBias, [m.headDim], layer: layer, optional: !hasBias)
                    try expect(.kNormBias, [m.headDim], layer: layer, optional: !hasBias)
                case .fullWidth:
                    try expect(.qNorm, [m.qWidth], layer: layer)
                    try expect(.kNorm, [m.kvWidth], layer: layer)
                case .perHead where names.layer[.qNorm]?.contains("{H}") == true:
                    for head in 0..<m.headCount { try expect(.qNorm, [m.headDim], layer: layer, head: head) }
                    for head in 0..<m.kvHeadCount { try expect(.kNorm, [m.headDim], layer: layer, head: head) }
                case .perHead:
                    try expect(.qNorm, [m.headCount, m.headDim], layer: layer)
                    try expect(.kNorm, [m.kvHeadCount, m.headDim], layer: layer)
                }
            }
            let ff = m.feedForwardSize
            if let experts = m.experts, experts.layers.contains(layer) {
                for tensor in experts.expectedTensors(hiddenSize: d) {
                    try expect(tensor.role, tensor.shape, layer: layer, expert: tensor.expert, optional: tensor.optional)
                }
                continue
            }
            switch m.feedForward {
            case .gated(fusedGateUp: true):
                try expect(.gateUp, [2 * ff, d], layer: layer)
            case .gated(fusedGateUp: false):
                try expect(.gate, [ff, d], layer: layer)
                try expect(.up, [ff, d], layer: layer)
            case .plain:
                try expect(.up, [ff, d], layer: layer)
            }
            try expect(.upBias, [ff], layer: layer, optional: true)
            try expect(.down, [d, ff], layer: layer)
            try expect(.downBias, [d], layer: layer, optional: true)
        }
    }
}

extension ModelDescription.Norm {
    public var eps: Float {
        switch self {
        case .rms(let eps, _), .layer(let eps, _): eps
        }
    }

    public var hasBias: Bool {
        if case .layer(_, bias: true) = self { return true }
        return false
    }
}

extension Model {
    /// The tensors a first-layer table replaces: layer 0's token-local tensors present in this
    /// checkpoint (every expert and per-head tensor included) and the input embedding.
    public var firstLayerTableTensors: [String] {
        let m = description
        var names: [String] = []
        for role in architecture.firstLayerDrops(for: m) {
            let perExpert = self.names.layer[role]?.contains("{E}") == true
            let experts: [Int?] = perExpert ? (0..<(m.experts?.count ?? 0)).map(Optional.some) : [nil]
            let perHead = self.names.layer[role]?.contains("{H}") == true
            let heads: [Int?] = perHead ? (0..<(role == .qNorm ? m.headCount : m.kvHeadCount)).map(Optional.some) : [nil]
            for expert in experts {
                for head in heads {
                    if let tensor = tensor(role, layer: 0, expert: expert, head: head) { names.append(tensor.name) }
                }
            }
        }
        if let embedding = tensor(.embedding) { names.append(embedding.name) }
        return names
    }
}
