/// How a decoder multiplies by its quantised weights.
///
/// - `exact`: each panel of weights is dequantised to float32 and multiplied at float precision — the
///   arithmetic the transformers fixtures are matched against (`DecoderFixtureTests`' tolerances).
/// - `int8`: llama.cpp's arithmetic — the activations of each product are rounded to int8 per block (Q8_K for
///   K-quants, Q8_1 for the 32-value types) and multiplied by the weights' integers with integer dot
///   products (AVX2, or AVX-512 VNNI where the CPU has it); float only per block. Faster on quantised models,
///   within a measured distance of `exact` (docs/performance.md, "Two arithmetics").
///
/// Float weights (F32, F16, BF16) are multiplied exactly either way, and so is everything on a CPU without
/// AVX2 (see `Int8Kernels.available`); `effective(for:)` says which arithmetic a model really gets.
public enum ComputeMode: String, CaseIterable, Codable, Sendable {
    case exact
    case int8
}
