// The Python file `--transformers-code` writes; docs/transformers.md explains it. Kept here, as one raw
// string, so that the installed `ckpt` carries it (no resource bundle to lose).

extension TransformersCode {
    /// `modeling_ckpt.py`, byte for byte.
    public static let modelingSource = #"""
        """Runs a checkpoint written by `ckpt convert --precompute-first-layer --transformers-code` in transformers.

        ckpt writes this file beside the weights and names one of its classes in config.json's `auto_map`, so
        `AutoModelForCausalLM.from_pretrained(directory, trust_remote_code=True)` loads the converted model.
        `Ckpt<Name>ForCausalLM` is transformers' own `<Name>ForCausalLM`, built from the unchanged config, with
        layer 0's token-local work read from the table `first_layer_table.weight` (one row per token id,
        `[x | q | k | v]`, q and k before RoPE; config.json's `ckpt_precompute` describes it):

        - the input embedding returns segment 0 of the tokens' rows and keeps the rows for this forward;
        - layer 0's q, k and v projections (or its fused QKV projection) return segments 1 to 3; the attention
          then applies RoPE, the KV cache and the output projection exactly as the original class does;
        - layer 0's input norm and q/k norms pass their input through (nothing reads their output any more);
        - for parallel blocks, layer 0's FFN returns zeros and its attention-output bias is gone: both are
          already in segment 0.

        Every module ckpt removed from the checkpoint is replaced by one without parameters, so the model's
        parameters are exactly the checkpoint's tensors. Layers 1 and up, the final norm and the head are the
        original class's own.
        """

        import re

        import torch
        import transformers
        from torch import nn

        TABLE_TENSOR = "first_layer_table.weight"
        # Modules of a layer that hold its attention projections.
        _ATTENTION_MODULES = ("self_attn", "self_attention", "attention", "attn")
        # Separate projections: the table segment each one returns.
        _PROJECTION_SEGMENTS = {"q_proj": 1, "k_proj": 2, "v_proj": 3}
        # Fused projections: how the original attention splits their output.
        _FUSED_LAYOUTS = {
            "qkv_proj": "concatenated",  # [q | k | v] (Phi-3)
            "query_key_value": "grouped",  # per key/value head: its query heads, the key, the value (GPT-NeoX, Falcon)
        }
        # Weightless norms layer 0 applies to q and k after RoPE, which ckpt folds into the table (a rotation
        # keeps a head's length): Llama 4's L2 norm.
        _FOLDED_NORMS = {"llama4_text": "qk_norm"}
        # Output projections whose bias segment 0 holds in parallel blocks (`output_bias_folded`).
        _OUTPUT_PROJECTIONS = ("o_proj", "dense", "out_proj")


        class FirstLayerTable(nn.Module):
            """The table `[rows, sum(widths)]`, and the rows of the tokens of the forward in progress."""

            def __init__(self, rows, widths):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(rows, sum(widths)), requires_grad=False)
                self.starts = [sum(widths[:index]) for index in range(len(widths))]
                self.widths = list(widths)
                self.current = None

            def look_up(self, input_ids, dtype):
                """Keeps the rows of `input_ids` (`[batch, tokens]`) in `dtype` for the layer-0 modules."""
                self.current = nn.functional.embedding(input_ids, self.weight).to(dtype)

            def segment(self, index):
                """Segment `index` of the current rows, `[batch, tokens, width]`."""
                if self.current is None:
                    raise ValueError(
                        "this model's first layer is precomputed per token id: call it with input_ids, not inputs_embeds"
                    )
                start = self.starts[index]
                return self.current[..., start : start + self.widths[index]]

            def forget(self, module, args):
                """Forward pre-hook of the whole model: rows are only valid within the forward that looked them up."""
                self.current = None


        class TableEmbedding(nn.Module):
            """Takes the input embedding's place: looks the tokens up in the table and returns segment 0.

            The table is not a submodule, so that its parameter has one name, `first_layer_table.weight`.
            """

            def __init__(self, table, dtype_source):
                super().__init__()
                self._table = (table,)
                self._dtype_source = (dtype_source,)

            @property
            def weight(self):
                """The table (transformers reads the embedding's device from its weight)."""
                return self._table[0].weight

            def forward(self, input_ids):
                table = self._table[0]
                table.look_up(input_ids, self._dtype_source[0].weight.dtype)
                return table.segment(0)


        class TableSegment(nn.Module):
            """Takes a q, k or v projection's place: returns its segment of the current rows."""

            def __init__(self, table, index):
                super().__init__()
                self._table = (table,)
                self.index = index

            def forward(self, hidden_states):
                return self._table[0].segment(self.index)


        class FusedTableSegments(nn.Module):
            """Takes a fused QKV projection's place: returns q, k and v in the layout its attention splits."""

            def __init__(self, table, layout, heads, kv_heads):
                super().__init__()
                self._table = (table,)
                self.layout = layout
                self.heads = heads
                self.kv_heads = kv_heads

            def forward(self, hidden_states):
                table = self._table[0]
                q, k, v = (table.segment(index) for index in (1, 2, 3))
                if self.layout == "concatenated":
                    return torch.cat((q, k, v), dim=-1)
                head_dim = q.shape[-1] // self.heads
                groups = (*q.shape[:-1], self.kv_heads, -1, head_dim)
                fused = torch.cat((q.reshape(groups), k.reshape(groups), v.reshape(groups)), dim=-2)
                return fused.flatten(-3)


        class Zeros(nn.Module):
            """Takes layer 0's FFN's place in a parallel block, whose FFN output segment 0 already holds."""

            def forward(self, hidden_states, *args, **kwargs):
                return torch.zeros_like(hidden_states)


        def _replacement(table, config, child, removed_tensor):
            if child in _PROJECTION_SEGMENTS:
                return TableSegment(table, _PROJECTION_SEGMENTS[child])
            if child in _FUSED_LAYOUTS:
                heads = config.num_attention_heads
                head_dim = table.widths[1] // heads
                return FusedTableSegments(table, _FUSED_LAYOUTS[child], heads, table.widths[2] // head_dim)
            if child == "mlp":
                return Zeros()
            if "norm" in child or child.startswith("ln"):
                return nn.Identity()
            raise NotImplementedError(f"modeling_ckpt: no replacement for {removed_tensor}, which ckpt removed")


        def install_table(model, config):
            """Replaces `model`'s input embedding and the layer-0 modules ckpt removed with table lookups."""
            spec = getattr(config, "ckpt_precompute", None)
            if not isinstance(spec, dict) or spec.get("version") != 1:
                raise ValueError("config.json has no ckpt_precompute (layout version 1): not a ckpt conversion")
            if spec.get("table_tensor") != TABLE_TENSOR:
                raise ValueError(f"the table is stored as {spec.get('table_tensor')}: run `ckpt decompress` on this checkpoint first")
            if spec.get("segments", [])[1:] != ["q", "k", "v"]:
                raise ValueError(f"table segments {spec.get('segments')} are not supported (only x, q, k, v)")
            table = FirstLayerTable(spec["rows"], spec["segment_widths"])
            model.first_layer_table = table
            model.register_forward_pre_hook(table.forget)
            modules = dict(model.named_modules())
            embedding = next(name for name, module in modules.items() if module is model.get_input_embeddings())
            model.set_input_embeddings(TableEmbedding(table, model.get_output_embeddings()))
            # Granite multiplies the embedding in the model's forward; segment 0 holds that product.
            base = model.get_decoder() if hasattr(model, "get_decoder") else model
            if hasattr(base, "embedding_multiplier"):
                base.embedding_multiplier = 1.0
            replaced = {}
            # Each removed tensor names the module it belonged to: the embedding, or a child of layer 0 (its
            # norms, its FFN) or of layer 0's attention (q/k/v, q/k norms, the output projection's bias).
            for tensor in spec["removed_tensors"]:
                path = tensor.rsplit(".", 1)[0]
                if path == embedding:
                    continue
                match = re.fullmatch(r"(.+?\.(?:layers|h)\.0)\.(.+)", path)
                if match is None:
                    raise NotImplementedError(f"modeling_ckpt: {tensor} is not in layer 0")
                block, parts = match.group(1), match.group(2).split(".")
                if parts[0] in _ATTENTION_MODULES and len(parts) > 1:
                    owner, child = f"{block}.{parts[0]}", parts[1]
                else:
                    owner, child = block, parts[0]
                if child in _OUTPUT_PROJECTIONS and tensor.endswith(".bias"):
                    getattr(modules[owner], child).bias = None
                elif (owner, child) not in replaced:
                    replaced[(owner, child)] = _replacement(table, config, child, tensor)
                    setattr(modules[owner], child, replaced[(owner, child)])
                    if child in _PROJECTION_SEGMENTS and hasattr(modules[owner], _FOLDED_NORMS.get(config.model_type, "")):
                        setattr(modules[owner], _FOLDED_NORMS[config.model_type], nn.Identity())
            left = set(spec["removed_tensors"]) & {name for name, _ in model.named_parameters()}
            if left:
                raise NotImplementedError(f"modeling_ckpt: the model still has parameters ckpt removed: {sorted(left)}")


        _classes = {}


        def _share_checkpoint_renames(base, name):
            """Gives `name` the checkpoint key renames transformers keeps for the class `base` (GPT-NeoX's
            `embed_out` is its `lm_head`), which it does not apply to classes defined outside the library."""
            try:
                from transformers.conversion_mapping import get_checkpoint_conversion_mapping, register_checkpoint_conversion_mapping
            except ImportError:  # before transformers 5, renames were a class attribute, inherited as it is
                return
            renames = get_checkpoint_conversion_mapping(base)
            if renames is not None:
                register_checkpoint_conversion_mapping(name, renames, overwrite=True)


        def __getattr__(name):
            """`Ckpt<Name>ForCausalLM`: transformers' `<Name>ForCausalLM` reading layer 0 from the table."""
            if not (name.startswith("Ckpt") and name.endswith("ForCausalLM")):
                raise AttributeError(name)
            if name not in _classes:
                base = getattr(transformers, name[len("Ckpt") :])

                def __init__(self, config):
                    base.__init__(self, config)
                    install_table(self, config)

                _classes[name] = type(name, (base,), {"__init__": __init__, "__module__": __name__, "__qualname__": name})
                _share_checkpoint_renames(base.__name__, name)
            return _classes[name]

        """#
}
