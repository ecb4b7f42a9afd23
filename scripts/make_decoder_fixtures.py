#!/usr/bin/env python3
"""Makes the decoder test fixtures in Tests/SciDLLanguageModelTests/Fixtures/ with the reference libraries.

Run once, in a throw-away virtual environment (CI never runs it, and SciDL never depends on these):
    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch transformers gguf tokenizers
    /tmp/torchenv/bin/python scripts/make_decoder_fixtures.py

It writes (with `--families`: only the second list)
- quant_blocks.json: for every quantisation type SciDL reads, two blocks of bytes and their values as
  dequantised by gguf-py (llama.cpp's own Python package), the outside reference for the block formulas;
- tiny-llama/ (float16 weights, SentencePiece-style byte-fallback BPE, BOS added) and tiny-qwen2/ (bfloat16,
  sharded with model.safetensors.index.json, q/k/v biases, byte-level BPE with Qwen2's split pattern): random
  models saved by transformers' save_pretrained;
- tiny_decoders_reference.json: for each, token ids of test strings from transformers' tokenizer, and hidden
  states (float32 computation from the saved weights) at every site, at the last token and averaged.
With --families, the other model families, each a tiny random model whose every feature is exercised (random
norm weights, windows shorter than the test texts, soft caps that bite):
- tiny-qwen3/ (query/key norms, head size 24 ≠ width/heads), tiny-gemma2/ (weights 10 times larger than usual so that the soft caps 2 and 1 bite, alternating
  4-token windows, query_pre_attn_scalar 24, norms after sublayers), tiny-gemma3/ (Gemma3ForCausalLM: query/key
  norms, 4-token windows on block 0, local RoPE base 10,000 and global 10⁶), tiny-phi3/ (fused qkv and gate-up,
  a 5-token window in every block), float32 weights;
- tiny_families_reference.json: as tiny_decoders_reference.json, for these.
"""
import json, os, sys
import numpy as np
import torch, transformers, gguf, tokenizers
from gguf import GGMLQuantizationType as T, quants
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, decoders, processors, trainers, Regex

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SciDLLanguageModelTests", "Fixtures")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)

families_only = "--families" in sys.argv

# --- quantisation blocks -------------------------------------------------------------------------
# (type, block bytes, byte offsets of f16 scales to set to sane values)
layouts = {T.Q4_0: (18, [0]), T.Q4_1: (20, [0, 2]), T.Q5_0: (22, [0]), T.Q5_1: (24, [0, 2]), T.Q8_0: (34, [0]),
           T.Q4_K: (144, [0, 2]), T.Q5_K: (176, [0, 2]), T.Q6_K: (210, [208]), T.F16: (2, []), T.BF16: (2, [])}
blocks = {}
for t, (size, scales) in layouts.items():
    count = 2 if size > 2 else 64
    raw = bytearray(rng.integers(0, 256, size * count, dtype=np.uint8).tobytes())
    for b in range(count):
        for off in scales:
            raw[b * size + off:b * size + off + 2] = np.float16(rng.uniform(0.001, 0.1) * rng.choice([-1, 1])).tobytes()
    if t == T.F16:
        raw = bytearray(np.float16(rng.normal(size=count)).tobytes())
    if t == T.BF16:
        raw = bytearray((np.float32(rng.normal(size=count)).view(np.uint32) >> 16).astype(np.uint16).tobytes())
    values = quants.dequantize(np.frombuffer(bytes(raw), dtype=np.uint8), t).reshape(-1)
    blocks[t.name] = {"hex": bytes(raw).hex(), "values": [float(v) for v in values]}
if not families_only:
    json.dump({"made_with": f"gguf-py {getattr(gguf, '__version__', '0.x')} quants.dequantize", "blocks": blocks},
              open(os.path.join(out, "quant_blocks.json"), "w"))

# --- tokenizers -----------------------------------------------------------------------------------
corpus = [
    "The city of Paris is in France. Is this statement true or false? True",
    "Consider the following example: a charming and often affecting journey. positive",
    "Question: is the sky blue? Answer: Yes. 12345 + 678 = 13023",
    "naïve café, Zürich — don't we'll I'M; snake_case and CamelCase\n\nnew lines\ttabs",
] * 20
llama3_split = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
qwen2_split = llama3_split.replace(r"\p{N}{1,3}", r"\p{N}")


def byte_level(split):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(split), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"], show_progress=False))
    return tok


def sentence_piece():
    # Train merges on "▁"-spelled text, then lay the vocabulary out as Llama 2's is: <unk>, <s>, </s>,
    # the 256 byte tokens, then the pieces.
    trained = Tokenizer(models.BPE())
    trained.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    trained.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, show_progress=False))
    spec = json.loads(trained.to_str())
    pieces = sorted(spec["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for piece, _ in pieces:
        vocab.setdefault(piece, len(vocab))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in spec["model"]["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, byte_fallback=True, unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.add_special_tokens(["<unk>", "<s>", "</s>"])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    return tok


texts = [
    "The city of Krasnodar is in Russia. Is this statement true or false? True",
    "", " ", "a", "Hello world", "hello   world", "don't DON'T we're'll've", "1234567 3.14159",
    "naïve café — Zürich, 東京, Москва 🚀 ¿qué?", "  leading spaces,\ttabs\tand\n\nnewlines   trailing  ",
    "Ω≈ç√∫ ünïcödé", "x<|im_end|>y", "<s>Question: yes?</s>", "snake_case_name CamelCaseName a.b.c",
]


def reference(model_dir, tokenizer_obj, embed_scale=None):
    fast = transformers.AutoTokenizer.from_pretrained(model_dir)
    model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    captured = {}
    hooks = []
    # hook_embed is the embedding as the blocks read it: where the model scales it after embed_tokens
    # (Gemma 2), the scale is applied here.
    scale = embed_scale if embed_scale is not None else 1.0
    for i, layer in enumerate(model.model.layers):
        hooks.append(layer.register_forward_hook(
            lambda m, a, o, i=i: captured.__setitem__(f"blocks.{i}.hook_resid_post", (o[0] if isinstance(o, tuple) else o)[0])))
    hooks.append(model.model.norm.register_forward_hook(lambda m, a, o: captured.__setitem__("ln_final.hook_normalized", o[0])))
    hooks.append(model.model.embed_tokens.register_forward_hook(lambda m, a, o: captured.__setitem__("hook_embed", o[0] * scale)))
    cases = []
    for text in texts:
        ids = fast(text)["input_ids"]
        case = {"text": text, "ids": ids, "last": {}, "mean": {}}
        if ids:
            with torch.no_grad():
                logits = model(torch.tensor([ids])).logits[0, -1]
            for site, h in captured.items():
                case["last"][site] = [round(float(v), 6) for v in h[-1]]
                case["mean"][site] = [round(float(v), 6) for v in h.mean(0)]
            case["logits_last"] = [round(float(v), 5) for v in logits]
        cases.append(case)
    for h in hooks:
        h.remove()
    return {"cases": cases}


result = {"made_with": f"transformers {transformers.__version__}, tokenizers {tokenizers.__version__}, torch {torch.__version__}"}
if families_only:
    import families_fixtures  # noqa: E402  (beside this script)
    families_fixtures.make(out, result, sentence_piece, byte_level, qwen2_split, reference)
    sys.exit(0)
torch.manual_seed(0)
sp = sentence_piece()
llama_dir = os.path.join(out, "tiny-llama")
cfg = transformers.LlamaConfig(vocab_size=sp.get_vocab_size(), hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0,
                               max_position_embeddings=256, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
model = transformers.LlamaForCausalLM(cfg).to(torch.float16)
model.save_pretrained(llama_dir)
transformers.PreTrainedTokenizerFast(tokenizer_object=sp, bos_token="<s>", eos_token="</s>", unk_token="<unk>").save_pretrained(llama_dir)
result["tiny-llama"] = reference(llama_dir, sp)

torch.manual_seed(1)
bl = byte_level(qwen2_split)
qwen_dir = os.path.join(out, "tiny-qwen2")
cfg = transformers.Qwen2Config(vocab_size=bl.get_vocab_size(), hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=1000000.0,
                               max_position_embeddings=256, tie_word_embeddings=True)
model = transformers.Qwen2ForCausalLM(cfg)
with torch.no_grad():  # random biases (initialised to zero otherwise), so they are tested
    for layer in model.model.layers:
        for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
            proj.bias.normal_(0, 0.5)
model = model.to(torch.bfloat16)
model.save_pretrained(qwen_dir, max_shard_size="60KB")
transformers.PreTrainedTokenizerFast(tokenizer_object=bl, eos_token="<|endoftext|>").save_pretrained(qwen_dir)
result["tiny-qwen2"] = reference(qwen_dir, bl)

json.dump(result, open(os.path.join(out, "tiny_decoders_reference.json"), "w"))
print("wrote", out)
