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

    json.dump(result, open(os.path.join(out, "tiny_families_reference.json"), "w"))
    print("wrote", out)
