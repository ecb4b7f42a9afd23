"""The other families' tiny random models for `make_decoder_fixtures.py --families` (see its docstring)."""
import json, os
import torch, transformers


def randomise_norms(model):
    """Norm weights are initialised to ones (or zeros for Gemma's 1 + w): random, so that reading them is tested."""
    gemma = "Gemma" in type(model).__name__
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.normal_(0, 0.3)
                if not gemma:
                    p.add_(1)


def make(out, result, sentence_piece, byte_level, qwen2_split, reference):
    common = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, rms_norm_eps=1e-6, max_position_embeddings=256)

    torch.manual_seed(3)
    bl = byte_level(qwen2_split)
    cfg = transformers.Qwen3Config(vocab_size=bl.get_vocab_size(), head_dim=24, rope_theta=1000000.0,
                                   tie_word_embeddings=False, **common)
    model = transformers.Qwen3ForCausalLM(cfg)
    randomise_norms(model)
    d = os.path.join(out, "tiny-qwen3")
    model.save_pretrained(d)
    transformers.PreTrainedTokenizerFast(tokenizer_object=bl, eos_token="<|endoftext|>").save_pretrained(d)
    result["tiny-qwen3"] = reference(d, bl)

    sp = sentence_piece()
    specials = dict(bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    torch.manual_seed(4)
    cfg = transformers.Gemma2Config(vocab_size=sp.get_vocab_size(), head_dim=16, query_pre_attn_scalar=24,
                                    sliding_window=4, attn_logit_softcapping=2.0, final_logit_softcapping=1.0, initializer_range=0.2,
                                    hidden_activation="gelu_pytorch_tanh", bos_token_id=1, eos_token_id=2,
                                    pad_token_id=0, **common)
    model = transformers.Gemma2ForCausalLM(cfg)
    randomise_norms(model)
    d = os.path.join(out, "tiny-gemma2")
    model.save_pretrained(d)
    transformers.PreTrainedTokenizerFast(tokenizer_object=sp, **specials).save_pretrained(d)
    scaled = type(model.model.embed_tokens) is torch.nn.Embedding  # scaled after the lookup, not by it
    result["tiny-gemma2"] = reference(d, sp, embed_scale=torch.tensor(64 ** 0.5, dtype=torch.float32) if scaled else None)

    torch.manual_seed(5)
    cfg = transformers.Gemma3TextConfig(vocab_size=sp.get_vocab_size(), head_dim=16, query_pre_attn_scalar=16,
                                        sliding_window=4, layer_types=["sliding_attention", "full_attention"],
                                        hidden_activation="gelu_pytorch_tanh", bos_token_id=1, eos_token_id=2,
                                        pad_token_id=0, **common)
    model = transformers.Gemma3ForCausalLM(cfg)
    randomise_norms(model)
    d = os.path.join(out, "tiny-gemma3")
    model.save_pretrained(d)
    transformers.PreTrainedTokenizerFast(tokenizer_object=sp, **specials).save_pretrained(d)
    result["tiny-gemma3"] = reference(d, sp)

    torch.manual_seed(6)
    cfg = transformers.Phi3Config(vocab_size=sp.get_vocab_size(), sliding_window=5, rope_theta=10000.0,
                                  tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0, **common)
    model = transformers.Phi3ForCausalLM(cfg)
    randomise_norms(model)
    d = os.path.join(out, "tiny-phi3")
    model.save_pretrained(d)
    transformers.PreTrainedTokenizerFast(tokenizer_object=sp, **specials).save_pretrained(d)
    result["tiny-phi3"] = reference(d, sp)

    for name, arch in (("tiny-qwen3", "qwen3"), ("tiny-gemma2", "gemma2"), ("tiny-gemma3", "gemma3"),
                       ("tiny-phi3", "phi3")):
        write_gguf(os.path.join(out, name), os.path.join(out, name + ".gguf"), arch)
    json.dump(result, open(os.path.join(out, "tiny_families_reference.json"), "w"))
    print("wrote", out)


def write_gguf(folder, path, arch):
    """The tiny folder as a GGUF file laid out as llama.cpp's convert_hf_to_gguf.py lays it out (float32 tensors,
    Gemma's norms stored as 1 + w, Phi-3's fused matrices kept fused), with a SentencePiece-style vocabulary
    (the tests feed the reference's token ids, so only the architecture is compared)."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file
    cfg = json.load(open(os.path.join(folder, "config.json")))
    tensors = load_file(os.path.join(folder, "model.safetensors"))
    vocab = json.load(open(os.path.join(folder, "tokenizer.json")))["model"]["vocab"]
    w = gguf.GGUFWriter(path, arch)
    n = cfg["num_hidden_layers"]
    w.add_uint32(f"{arch}.block_count", n)
    w.add_uint32(f"{arch}.context_length", cfg["max_position_embeddings"])
    w.add_uint32(f"{arch}.embedding_length", cfg["hidden_size"])
    w.add_uint32(f"{arch}.feed_forward_length", cfg["intermediate_size"])
    w.add_uint32(f"{arch}.attention.head_count", cfg["num_attention_heads"])
    w.add_uint32(f"{arch}.attention.head_count_kv", cfg["num_key_value_heads"])
    w.add_float32(f"{arch}.attention.layer_norm_rms_epsilon", cfg["rms_norm_eps"])
    rope = cfg.get("rope_parameters", {})
    theta = rope.get("full_attention", rope).get("rope_theta", 10000.0)
    w.add_float32(f"{arch}.rope.freq_base", theta)
    head = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    w.add_uint32(f"{arch}.attention.key_length", head)
    w.add_uint32(f"{arch}.attention.value_length", head)
    if cfg.get("sliding_window"):
        w.add_uint32(f"{arch}.attention.sliding_window", cfg["sliding_window"])
    if arch == "gemma3" and cfg.get("layer_types") != [("full_attention" if (i + 1) % 6 == 0 else "sliding_attention") for i in range(n)]:
        # llama.cpp builds Gemma 3's every-sixth-block-global pattern in; this tiny model's two blocks alternate,
        # so the pattern is stated (llama.cpp's key for it).
        w.add_uint32(f"{arch}.attention.sliding_window_pattern", 2)
    for key in ("attn_logit_softcapping", "final_logit_softcapping"):
        if cfg.get(key):
            w.add_float32(f"{arch}.{key}", cfg[key])
    if arch == "gemma2" and cfg.get("query_pre_attn_scalar", head) != head:
        # llama.cpp's converter drops query_pre_attn_scalar (its Gemma 2 27B rule is built in); this tiny model's
        # scalar is not its head size, so the scale is stated.
        w.add_float32(f"{arch}.attention.scale", cfg["query_pre_attn_scalar"] ** -0.5)
    tokens = sorted(vocab, key=vocab.get)
    w.add_string("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", tokens)
    w.add_array("tokenizer.ggml.scores", [-float(i) for i in range(len(tokens))])
    w.add_array("tokenizer.ggml.token_type", [3 if t in ("<unk>", "<s>", "</s>") else 1 for t in tokens])
    gemma = arch.startswith("gemma")
    names = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
             "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "self_attn.qkv_proj": "attn_qkv",
             "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm", "mlp.gate_proj": "ffn_gate",
             "mlp.up_proj": "ffn_up", "mlp.gate_up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
             "pre_feedforward_layernorm": "ffn_norm", "post_feedforward_layernorm": "post_ffw_norm"}
    names["post_attention_layernorm"] = "post_attention_norm" if gemma else "ffn_norm"
    for name, t in sorted(tensors.items()):
        t = t.astype(np.float32)
        if gemma and name.endswith("norm.weight"):
            t = t + np.float32(1)
        if name == "model.embed_tokens.weight":
            out = "token_embd.weight"
        elif name == "model.norm.weight":
            out = "output_norm.weight"
        elif name == "lm_head.weight":
            out = "output.weight"
        else:
            parts = name.split(".")  # model.layers.N.<module>.weight
            out = f"blk.{parts[2]}.{names['.'.join(parts[3:-1])]}.weight"
        w.add_tensor(out, t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
