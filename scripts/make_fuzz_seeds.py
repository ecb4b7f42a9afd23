#!/usr/bin/env python3
"""Writes the small valid files the fuzz corpus (Tests/FuzzCorpus) starts from. Run once, in a throw-away
virtual environment with numpy and gguf (pip install numpy gguf); the outputs are committed, CI never runs
this. The grokking checkpoint and config seeds come from `scidl grok` itself (see the end)."""
import json, os, struct, sys, zipfile, io
import numpy as np

root = sys.argv[1] if len(sys.argv) > 1 else "Tests/FuzzCorpus"
def path(target, name):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    return os.path.join(root, target, name)

def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata: header["__metadata__"] = metadata
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw); offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)

rng = np.random.default_rng(0)
acts = rng.standard_normal((4, 2, 3)).astype("<f4")
# safetensors: several dtypes and metadata.
open(path("safetensors", "mixed.safetensors"), "wb").write(safetensors({
    "w": ("F32", rng.standard_normal((2, 3)).astype("<f4")),
    "h": ("F16", rng.standard_normal((3,)).astype("<f2")),
    "b": ("BF16", (rng.integers(0, 1 << 16, 4, dtype="<u4") & 0xFFFF).astype("<u2")),
    "i": ("I64", np.arange(3, dtype="<i8")),
}, {"format": "x", "note": "seed"}))
# .npy: [n, 2, d] and [layers, n, 2, d].
np.save(path("npy", "pairs.npy"), acts)
np.save(path("npy", "layers.npy"), rng.standard_normal((2, 4, 2, 3)).astype("<f8"))
# .npz: stacked with labels, and positive/negative with layer names.
np.savez(path("npz", "stacked.npz"), activations=acts, labels=np.array([0, 1, 1, 0], dtype="<i8"))
np.savez(path("npz", "separate.npz"), positive=acts[:, 1], negative=acts[:, 0], layers=np.array([5], dtype="<i4"))
# Deflated members, as np.savez_compressed writes them.
np.savez_compressed(path("npz", "compressed.npz"), activations=acts, labels=np.array([0, 1, 1, 0], dtype="<i8"))
# CSV and JSONL data sets.
open(path("csv", "cities.csv"), "w").write(
    'statement,label,correct_country\n"The city of Paris, Ile-de-France, is in France.",1,France\n'
    "The city of Oslo is in China.,0,Norway\n\"He said \"\"no\"\".\",TRUE,x\n")
open(path("jsonl", "boolq.jsonl"), "w").write(
    '{"question": "is the sky blue", "passage": "The sky is blue.", "answer": true}\n\n'
    '{"question": "is snow black", "passage": "Snow is white.", "answer": false}\n')
# Templates.
open(path("template", "truth.txt"), "w").write("answers: False|True\nStatement: {statement}\nTrue or false? {answer}\n")
open(path("template", "plain.txt"), "w").write("{statement} Is this true? {answer}")
# The activation cache: what ContrastActivations.file writes (layers-major), key "fuzz".
pos = rng.standard_normal((2, 4, 3)).astype("<f4"); neg = rng.standard_normal((2, 4, 3)).astype("<f4")
open(path("activation-cache", "cache.safetensors"), "wb").write(safetensors({
    "positive": ("F32", pos), "negative": ("F32", neg),
    "labels": ("F32", np.array([0, 1, 1, 0], dtype="<f4")), "layers": ("F32", np.array([0, 1], dtype="<f4")),
}, {"key": "fuzz", "model": "m", "pairs": "4", "layers": "0,1"}))
# BERT vocab.txt and config.json.
open(path("vocab", "vocab.txt"), "w").write(
    "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", ",", "!", "w", "##ö", "##rl", "##d", "1", "##23"]) + "\n")
json.dump({"architectures": ["BertModel"], "hidden_act": "gelu", "hidden_size": 32, "intermediate_size": 64,
           "layer_norm_eps": 1e-12, "max_position_embeddings": 64, "model_type": "bert", "num_attention_heads": 2,
           "num_hidden_layers": 1, "type_vocab_size": 2, "vocab_size": 14}, open(path("bert-config", "config.json"), "w"))

# A tiny GGUF decoder with a byte-level BPE tokenizer (width 32, one block).
import gguf
def tiny_gguf(name, tokenizer_model):
    w = gguf.GGUFWriter(path("gguf", name), "llama")
    d, f, heads, kv, vocab = 32, 64, 2, 1, 260
    w.add_block_count(1); w.add_embedding_length(d); w.add_feed_forward_length(f)
    w.add_head_count(heads); w.add_head_count_kv(kv); w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0); w.add_context_length(64)
    if tokenizer_model == "gpt2":
        byte_chars = [chr(c) for c in range(33, 127)] + [chr(c) for c in range(161, 173)] + [chr(c) for c in range(174, 256)]
        rest = [chr(256 + i) for i in range(256 - len(byte_chars))]
        tokens = byte_chars + rest + ["Ġt", "he", "Ġthe", "<|im_start|>"]
        w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre("smollm")
        w.add_token_list(tokens); w.add_token_merges(["Ġ t", "h e", "Ġt he"])
        w.add_token_types([1] * (vocab - 1) + [3])
    else:
        tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["▁the"]
        w.add_tokenizer_model("llama"); w.add_token_list(tokens)
        w.add_token_scores([0.0] * 259 + [-1.0]); w.add_token_types([2, 3, 3] + [6] * 256 + [1])
        w.add_bos_token_id(1); w.add_add_bos_token(True)
    r = np.random.default_rng(1)
    def t(n, *shape, dtype=np.float32):
        w.add_tensor(n, (r.standard_normal(shape) * 0.1).astype(dtype))
    t("token_embd.weight", vocab, d, dtype=np.float16)
    t("blk.0.attn_norm.weight", d); t("blk.0.ffn_norm.weight", d)
    t("blk.0.attn_q.weight", d, d); t("blk.0.attn_k.weight", d // heads * kv, d)
    t("blk.0.attn_v.weight", d // heads * kv, d); t("blk.0.attn_output.weight", d, d, dtype=np.float16)
    t("blk.0.ffn_gate.weight", f, d); t("blk.0.ffn_up.weight", f, d); t("blk.0.ffn_down.weight", d, f)
    t("output_norm.weight", d)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
tiny_gguf("bpe.gguf", "gpt2")
tiny_gguf("sentencepiece.gguf", "llama")

# Hugging Face folders: the tiny Llama fixture's config.json and the tokenizer.json of both fixtures;
# each target's `companions` file names the rest of the folder.
fixtures = "Tests/SciDLLanguageModelTests/Fixtures"
for target, seeds, companions in [
    ("model-config", [("tiny-llama", "config.json")], ["model.safetensors", "tokenizer.json", "tokenizer_config.json"]),
    ("tokenizer-json", [("tiny-llama", "tokenizer.json"), ("tiny-qwen2", "tokenizer.json")],
     ["config.json", "model.safetensors", "tokenizer_config.json"]),
]:
    for folder, name in seeds:
        open(path(target, f"{folder}-{name}"), "wb").write(open(os.path.join(fixtures, folder, name), "rb").read())
    open(path(target, "companions"), "w").write(
        "".join(f"../../SciDLLanguageModelTests/Fixtures/tiny-llama/{c}\n" for c in companions))
print("seeds written to", root)
# Then, from the repository root:
#   swift run scidl grok --p 7 --d-model 8 --heads 2 --d-mlp 16 --steps 3 --checkpoint-every 3 --out /tmp/g
#   cp /tmp/g/checkpoint.safetensors Tests/FuzzCorpus/checkpoint/ && cp /tmp/g/config.json Tests/FuzzCorpus/grok-config/
